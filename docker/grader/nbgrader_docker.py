"""nbgrader settings the Compose grader adds to the course's: every submission graded in a
container of the sandbox image (``sandbox.docker.DockerSandbox``), its scratch folders in
the named volume the runner keeps them in. Loaded by the course directory's
``nbgrader_config.py`` (docker/grader/entrypoint.sh adds the line); the environment is
the runner container's (docker/compose.yaml)."""

import os

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)
c.SandboxBackend.sandbox_class = "sandbox.docker.DockerSandbox"
c.DockerSandbox.image = os.environ.get("TITO_SANDBOX_IMAGE", "tinytorch/sandbox:0.1.0")
c.DockerSandbox.volumes = {os.environ.get("TITO_SCRATCH", "/var/lib/tito/scratch"):
                           os.environ.get("TITO_SCRATCH_VOLUME", "tinytorch-grading-scratch")}
if "TITO_SANDBOX_CPUS" in os.environ:
    c.DockerSandbox.cpu_limit = float(os.environ["TITO_SANDBOX_CPUS"])
