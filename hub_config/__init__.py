"""The course hub: JupyterHub configured for the course (``make hub``).

``jupyterhub_config.py`` is the configuration JupyterHub loads; the modules beside it are
the pieces it names: the authenticator with the demo accounts, the roles, the sandboxed
spawner, the state directory with its secrets, and the launcher.
"""
