"""The course content as package data: ``course.toml`` (the manifest) and
``modules/<id>/<id>.py`` (each module's source, solutions included). Nothing to import:
the tooling finds the files through :func:`tito.project.installed_root`."""
