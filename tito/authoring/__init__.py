"""The module authoring pipeline: source → instructor notebook → student notebook and package."""
