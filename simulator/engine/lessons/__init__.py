"""The engine side of the lessons: pure data and short training jobs, no pygame."""
