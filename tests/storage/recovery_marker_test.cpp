// Where a disk node records that it has no trusted state yet
// (snapshot/files/recovery_marker.hpp), and how open_persistence uses it: a data
// directory without state is a new incarnation, marked before the node does
// anything, and stays one across crashes until the node rejoined.

#include <catch2/catch.hpp>

#include <memory>
#include <random>

#include "actors/node/persistence.hpp"
#include "snapshot/disk/memory_disk.hpp"

using namespace flexsync;

namespace {

node_config config() {
  node_config cfg{"a", {"b", "c"}};
  cfg.persistence.data_dir = "unused: the disk is given";
  return cfg;
}

node_persistence open(const std::shared_ptr<memory_disk>& d) {
  return open_persistence(
    config(), d, [](const std::string&) {}, [] { return int64_t{0}; });
}

} // namespace

TEST_CASE("a recovery marker keeps its promise across a crash",
          "[storage][recovery]") {
  auto d = std::make_shared<memory_disk>();
  recovery_marker m{d};
  CHECK_FALSE(m.load());
  promise p{node_id{"b"}, incarnation_t{42}, term_t{7}};
  m.save(p);
  std::mt19937_64 rng{1};
  d->crash(rng, true); // save() is durable on return
  auto c = recovery_marker{d}.load();
  REQUIRE(c);
  REQUIRE(c->promised);
  CHECK(*c->promised == p);
  m.save(std::nullopt);
  c = m.load();
  REQUIRE(c);
  CHECK_FALSE(c->promised);
  m.clear();
  d->crash(rng, true);
  CHECK_FALSE(recovery_marker{d}.load());
}

TEST_CASE("a corrupt recovery marker refuses to start", "[storage][recovery]") {
  auto d = std::make_shared<memory_disk>();
  recovery_marker m{d};
  m.save(std::nullopt);
  {
    auto f = d->open("recovering", false);
    f->truncate(5);
    f->sync();
  }
  CHECK_THROWS_AS(m.load(), storage_error);
}

TEST_CASE("memory mode records nothing", "[storage][recovery]") {
  recovery_marker m{nullptr};
  m.save(promise{node_id{"b"}, incarnation_t{1}, term_t{1}});
  CHECK_FALSE(m.load());
}

TEST_CASE("a data directory without state starts a new incarnation, marked "
          "until it rejoins",
          "[storage][recovery]") {
  auto d = std::make_shared<memory_disk>();
  auto p = open(d);
  CHECK(p.fresh);
  CHECK(d->exists("recovering"));
  // It received entries and a term, then crashed before it caught up: its
  // journal is no reason to trust it.
  p.store->save_term_and_vote(term_t{3}, std::nullopt);
  p.store->sync();
  std::mt19937_64 rng{2};
  d->crash(rng, false);
  auto again = open(d);
  CHECK(again.fresh);
  CHECK(again.store->current_term() == term_t{3});
  // Once it rejoined (the marker is cleared), a restart is intact.
  again.marker->clear();
  d->crash(rng, false);
  CHECK_FALSE(open(d).fresh);
}
