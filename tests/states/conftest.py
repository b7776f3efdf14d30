# The migration tests' fixtures (a first-release database on each kind of database).
from tests.migrations.conftest import *  # noqa: F403
