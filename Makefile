# Two commands do all the set-up on a fresh machine with Python 3.11+:
#   make run    create .venv, install ganlab, train the embedded default run
#   make test   create .venv, install ganlab and pytest, run the test suite
#
# TORCH picks the torch build installed first. The default is a CPU wheel, which keeps CI and
# laptops free of a multi-GB CUDA download; users with a GPU set TORCH=torch (or install ganlab
# with plain pip). pyproject.toml itself never pins torch.
PYTHON ?= python3
TORCH ?= torch==2.13.0
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install -q "$(TORCH)"
	$(BIN)/python -m pip install -q -e ".[test]"
	# The Inception-v3 path is tested for real: torch-fidelity's code, without the torchvision it
	# would pull in (which does not import beside the CPU torch; ganlab does not need it for this).
	$(BIN)/python -m pip install -q --no-deps "torch-fidelity>=0.3" "tqdm>=4"
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/ganlab run

# Two test workers on CI's two cores (each test process one torch thread: tests/conftest.py);
# tests sharing a throwaway virtual environment stay on one worker. The tests that start a real
# Ray cluster run alone afterwards (beside a second worker, the cluster once died mid-test).
PYTEST_ARGS ?= -n 2 --dist loadgroup

test: install
	$(BIN)/python -m pytest -q $(PYTEST_ARGS) -m "not cluster"
	$(BIN)/python -m pytest -q -m cluster

clean:
	rm -rf $(VENV) build *.egg-info
