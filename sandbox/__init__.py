"""The trust boundary: where student code runs, and the only things that cross it.

Depends on nothing of the course tooling (an import-graph test checks it), so the grading
pipeline and the hub's lab spawner share one sandbox:

- :mod:`sandbox.bubblewrap`: the sandbox itself (bubblewrap, limits as ``c.Sandbox.*``),
  entered through :mod:`sandbox.enter` (:mod:`sandbox.cgroups`, :mod:`sandbox.seccomp`);
- :mod:`sandbox.plain`: the plain-data codec, the only values that come back out;
- inside: :mod:`sandbox.worker` (answers calls into the student's package),
  :mod:`sandbox.execute` and :mod:`sandbox.kernel` (run a notebook);
- outside: :mod:`sandbox.judge`, the trusted client of the worker and pytest's ``run``.
"""

# The name of the map (test name → grade cell) in the pytest file made from a notebook: the
# judge stops calling into code that ran out of time once per cell, so one endless loop
# costs one exercise, not the whole submission.
GRADE_CELLS = "TITO_GRADE_CELLS"
# Seconds one call into student code may take under grading, unless configured
# (c.PytestGrades.call_timeout): a notebook's self-check warns about a slower call.
CALL_TIMEOUT = 10.0
# The variables that set NumPy's BLAS threads (OpenBLAS, OpenMP builds, MKL): a process
# sharing the machine's cores with others gets one.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
ONE_BLAS_THREAD = dict.fromkeys(BLAS_THREAD_VARIABLES, "1")
