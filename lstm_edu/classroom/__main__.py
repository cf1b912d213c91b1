"""``python -m lstm_edu.classroom``: write the student and instructor editions."""

import sys

from lstm_edu.classroom.editions import main

sys.exit(main())
