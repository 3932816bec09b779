"""Active learning: generations of explore (MD with the extrapolation guard) -> select (MaxVol on the grade's
basis, or a MACE committee's force spread) -> label (a teacher) -> refit -> validate, until the target runs
stay below the break grade.

    from sei_lmp.learn import read_plan, run_learning
    run_learning(read_plan("examples/learn/cu_emt.toml"), "runs/learn-cu")
"""
