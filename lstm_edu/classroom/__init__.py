"""The classroom: student and instructor editions of the chapter notebooks.

- :mod:`lstm_edu.classroom.editions`: the exercise convention, its checks, and the editions
  (``python -m lstm_edu.classroom`` or ``make student``);
- :mod:`lstm_edu.classroom.notebooks`: reading, inspecting and writing notebooks (nbformat 4).

The exercise checkers themselves are :mod:`lstm_edu.check`.
"""

from lstm_edu.classroom.editions import (
    EDITIONS,
    ClassroomError,
    build_editions,
    instructor_notebook,
    lint,
    list_exercises,
    main,
    student_notebook,
    student_source,
    validate,
)

__all__ = ["EDITIONS", "ClassroomError", "build_editions", "instructor_notebook", "lint", "list_exercises",
           "main", "student_notebook", "student_source", "validate"]
