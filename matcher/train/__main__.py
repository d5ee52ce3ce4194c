"""``python -m matcher.train``: train the skill tagger (the README's reproduce command)."""

import sys

from matcher.train.skill_tagger import main

sys.exit(main())
