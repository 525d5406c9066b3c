import socket

import pytest


def test_unit_tests_cannot_reach_the_network():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with pytest.raises(RuntimeError, match="unit test tried to reach the network"):
        s.connect(("203.0.113.1", 443))  # TEST-NET-3: never actually contacted
    s.close()
