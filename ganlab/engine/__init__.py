"""The training engine: what a config builds, and the loop that trains it.

    build.py        Parts: the components a config names, built on the run's device
    state.py        TrainState: G, D, optimizers, moving average, step, random state (a checkpoint)
    step.py         AdversarialStep: d_steps D updates, then one G update (Goodfellow et al. 2014)
    unroll.py       Unroller: G's loss through k look-ahead D updates (Metz et al. 2017)
    evaluation.py   Evaluator: diagnostics, best values, verdicts, run-time contract checks
    contracts.py    checks before step 0 (shapes, D's scores, the loss); who raised mid-run
    checkpoints.py  Checkpointer: last.pt, best.pt, kept snapshots, index.json
    sampler.py      Sampler: samples from a generator; load_generator without a trainer
    trainer.py      Trainer: the loop (logging points, evaluations, checkpoints, summary)
    stopping.py     Ctrl-C and SIGTERM: stop at the next step with a checkpoint
    devices.py      which torch device
    distributed.py  data-parallel training over processes (DDP)
    fastpath.py     the GPU fast path ([perf])

Imports go one way: trainer -> step/state/evaluation/checkpoints -> build -> ganlab core
(components, registry, manager, config, rundir). Nothing here imports the CLI or Rich.
"""
