"""The fake Incus's own tests (tests/fake_incus/test_fake_incus.py), collected here too so
that `make check-integration` proves the fake answers in Incus's shapes before the fault
tests lean on it."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "fake_incus"))

from test_fake_incus import (fake, test_exec_and_files, test_fault_modes,  # noqa: E402,F401
                             test_instance_lifecycle, test_server_info,
                             test_shapes_match_real_lxd)
