"""The grading service's logic, independent of HTTP: jobs, course actions, submissions."""
