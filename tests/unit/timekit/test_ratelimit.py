from tkctl.timekit.ratelimit import TokenBucket


def test_bucket_allows_a_burst_then_paces_at_the_rate():
    now = [0.0]
    slept = []

    def sleep(s):
        slept.append(s)
        now[0] += s

    bucket = TokenBucket(10, 10, clock=lambda: now[0], sleep=sleep)
    for _ in range(10):
        bucket.acquire()
    assert slept == []
    for _ in range(5):
        bucket.acquire()
    assert abs(now[0] - 0.5) < 1e-9  # 5 more requests at 10/s take half a second


def test_zero_rate_means_no_pacing():
    bucket = TokenBucket(0, 1, sleep=lambda s: (_ for _ in ()).throw(AssertionError("slept")))
    for _ in range(100):
        bucket.acquire()
