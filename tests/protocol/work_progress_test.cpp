#include "protocol/work_progress.hpp"

#include <catch2/catch.hpp>

using namespace flexsync;

namespace {

constexpr int64_t sec = 1'000'000'000;
constexpr uint64_t mib = 1 << 20;

} // namespace

TEST_CASE("a line is due once per period, the first one period after the "
          "start", "[work_progress]") {
  work_progress p{"receiving snapshot 42 from a", 1024 * mib, 10 * sec};
  CHECK_FALSE(p.update(10 * mib, 10 * sec + sec / 2));
  auto line = p.update(120 * mib, 12 * sec);
  REQUIRE(line);
  CHECK(*line
        == "receiving snapshot 42 from a: 120.0 of 1024.0 MiB (11 %), "
           "60.0 MiB/s");
  CHECK_FALSE(p.update(200 * mib, 13 * sec));
  CHECK(p.update(300 * mib, 14 * sec));
  CHECK(p.summary()
        == "receiving snapshot 42 from a: 300.0 of 1024.0 MiB (29 %), "
           "75.0 MiB/s");
  CHECK(p.done() == 300 * mib);
  p.update(1024 * mib, 26 * sec);
  CHECK(p.finish(26 * sec)
        == "receiving snapshot 42 from a: done, 1024.0 MiB in 16.0 s "
           "(64.0 MiB/s)");
}

TEST_CASE("no time passed and no total are not divisions by zero",
          "[work_progress]") {
  work_progress p{"replaying journal", 0, 5 * sec, sec};
  CHECK(p.summary() == "replaying journal: 0.0 of 0.0 MiB (100 %), - MiB/s");
  CHECK(p.finish(5 * sec) == "replaying journal: done, 0.0 MiB in 0.0 s (- MiB/s)");
}
