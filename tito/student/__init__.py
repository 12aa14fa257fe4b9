"""The student side: the workspace (notebooks, package copy, progress) and the milestones."""
