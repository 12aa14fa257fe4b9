"""``python -m hub_config`` (``make hub``): the course hub's launcher."""

from sandbox.startup import skip_slow_imports

skip_slow_imports()  # first: the launcher's imports and JupyterHub, in this process, below

from hub_config.launch import main  # noqa: E402

main()
