// The lock table's rules, applied directly in a chosen log order with chosen
// entry times (as a node applies them, without one): strict expiry, re-entry,
// release ordering by sequence number, refresh, fencing tokens, determinism.

#include <catch2/catch.hpp>

#include "actors/objects/replicated_object.hpp"
#include "state_machines/battery.hpp"
#include "state_machines/repl_lock_manager.hpp"
#include "tests/state_machines/battery_helpers.hpp"

using namespace flexsync;
using namespace flexsync::testing;

namespace {

constexpr int64_t ttl = 100;

/// A lock manager fed entries by hand: index and entry time are the test's.
class table {
public:
  table() : bhvr_(locks_.make_behavior()) {}

  detail::acquire_reply acquire(const std::string& name,
                                const std::string& owner, uint64_t seq,
                                int64_t time) {
    return apply<detail::acquire_reply>(
      time, detail::acquire_atom::value,
      detail::pack(name, owner, ttl, seq));
  }

  detail::release_reply release(const std::string& name,
                                const std::string& owner, uint64_t seq,
                                int64_t time) {
    return apply<detail::release_reply>(time, detail::release_atom::value,
                                        detail::pack(name, owner, seq));
  }

  detail::refresh_reply refresh(const std::string& owner,
                                std::vector<detail::held_lock> held,
                                int64_t time) {
    return apply<detail::refresh_reply>(time, detail::refresh_atom::value,
                                        detail::pack(owner, held));
  }

  std::optional<lock_state> state_of(const std::string& name) const {
    return locks_.state_of(name);
  }

  repl_lock_manager& object() { return locks_; }

  uint64_t last_index() const { return index_; }

private:
  template <class R, class Atom>
  R apply(int64_t time, Atom op, detail::packed_args args) {
    apply_context ctx{++index_, 1, time};
    detail::apply_scope scope{ctx};
    auto msg = caf::make_message(op, std::move(args));
    auto result = bhvr_(msg);
    REQUIRE(static_cast<bool>(result));
    REQUIRE(result->template match_elements<R>());
    return result->template get_as<R>(0);
  }

  repl_lock_manager locks_{std::chrono::seconds(30)};
  caf::behavior bhvr_;
  uint64_t index_ = 0;
};

} // namespace

TEST_CASE("a lock expires strictly more than T after its last refresh",
          "[locks][rules]") {
  table t;
  CHECK(t.acquire("L", "a", 1, 1000).granted);
  CHECK_FALSE(t.acquire("L", "b", 1, 1000 + ttl).granted); // exactly T: held
  CHECK(t.state_of("L")->owner == "a");
  CHECK(t.acquire("L", "b", 2, 1000 + ttl + 1).granted);
  auto st = t.state_of("L");
  REQUIRE(st.has_value());
  CHECK(st->owner == "b");
  CHECK(st->refreshed_at == 1000 + ttl + 1);
  CHECK(st->token == t.last_index()); // a new tenure, a new token
}

TEST_CASE("a re-entrant acquire refreshes the tenure", "[locks][rules]") {
  table t;
  CHECK(t.acquire("L", "a", 5, 1000).granted);
  auto token = t.state_of("L")->token;
  CHECK(t.acquire("L", "a", 3, 1050).granted); // an older call, applied late
  CHECK(t.acquire("L", "a", 7, 1090).granted);
  auto st = t.state_of("L");
  CHECK(st->token == token);
  CHECK(st->refreshed_at == 1090);
  CHECK(st->seq == 7);
  CHECK_FALSE(t.acquire("L", "b", 1, 1090 + ttl).granted);
  // Expired, the same owner starts a new tenure.
  CHECK(t.acquire("L", "a", 8, 1090 + ttl + 1).granted);
  CHECK(t.state_of("L")->token > token);
}

TEST_CASE("a release never undoes a later acquire of its owner",
          "[locks][rules]") {
  table t;
  CHECK(t.acquire("L", "a", 5, 1000).granted);
  // Released by another owner: nothing happens.
  CHECK_FALSE(t.release("L", "b", 9, 1001).released);
  // Submitted before the acquire (seq 4 < 5) but applied after: kept.
  CHECK_FALSE(t.release("L", "a", 4, 1002).released);
  CHECK(t.state_of("L").has_value());
  // Submitted after it: released.
  CHECK(t.release("L", "a", 6, 1003).released);
  CHECK_FALSE(t.state_of("L").has_value());
  CHECK_FALSE(t.release("L", "a", 7, 1004).released);
}

TEST_CASE("a refresh renews the caller's known holds and sweeps expired ones",
          "[locks][rules]") {
  table t;
  CHECK(t.acquire("stale", "b", 1, 1000).granted);
  CHECK(t.acquire("mine", "a", 5, 1050).granted);
  CHECK(t.acquire("theirs", "b", 2, 1060).granted);
  // At 1101, "stale" is expired (b never refreshed), "theirs" is not.
  auto r = t.refresh("a", {{"mine", 5}, {"theirs", 1}, {"gone", 1}}, 1101);
  CHECK(r.renewed == std::vector<std::string>{"mine"});
  CHECK(r.index == t.last_index());
  CHECK(t.state_of("mine")->refreshed_at == 1101);
  CHECK_FALSE(t.state_of("stale").has_value());
  CHECK(t.state_of("theirs")->refreshed_at == 1060);
  // A hold older than the one the client knows of is not renewed: an
  // earlier acquire re-took the lock after it had expired.
  CHECK(t.acquire("old", "a", 3, 2000).granted);
  CHECK(t.refresh("a", {{"old", 9}}, 2001).renewed.empty());
  // Any refresh sweeps the locks no longer renewed.
  CHECK(t.refresh("b", {}, 2000 + ttl + 1).renewed.empty());
  CHECK_FALSE(t.state_of("mine").has_value());
}

TEST_CASE("the same entries give the same table", "[locks][rules]") {
  table x, y;
  for (auto* t : {&x, &y}) {
    t->acquire("L", "a", 1, 10);
    t->acquire("M", "b", 1, 20);
    t->acquire("L", "b", 2, 200);
    t->refresh("a", {{"L", 1}}, 210);
    t->release("M", "b", 3, 220);
  }
  CHECK(x.object().raw_data() == y.object().raw_data());
  CHECK(snapshot_of(x.object()) == snapshot_of(y.object()));
  repl_lock_manager copy{std::chrono::seconds(30)};
  CHECK_FALSE(snapshot_round_trip(x.object(), copy));
  CHECK(copy.raw_data() == x.object().raw_data());
}

TEST_CASE("entry_time exists only inside a replicated operation",
          "[locks][rules]") {
  CHECK_THROWS_AS(state_machine::entry_time(), std::logic_error);
}
