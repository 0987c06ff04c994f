// A user-defined state machine, written as the README shows: handlers that
// refuse bad input by returning a caf::error leave every replica unchanged
// and the caller receives the error; a command with no matching handler also
// comes back as an error without breaking the node.

#include <catch2/catch.hpp>

#include <caf/sec.hpp>

#include "state_machines/state_machine.hpp"
#include "tests/actors/local_cluster.hpp"

using namespace flexsync;
using namespace flexsync::testing;

namespace {

using deposit_atom = caf::atom_constant<caf::atom("deposit")>;
using withdraw_atom = caf::atom_constant<caf::atom("withdraw")>;
using reset_atom = caf::atom_constant<caf::atom("reset")>;

/// A replicated bank account that never goes negative.
struct account : state_machine {
  caf::behavior make_behavior() override {
    return {
      [this](deposit_atom, int64_t n) -> caf::result<int64_t> {
        if (n <= 0)
          return caf::make_error(caf::sec::invalid_argument);
        return balance_ += n;
      },
      [this](withdraw_atom, int64_t n) -> caf::result<int64_t> {
        if (n <= 0 || n > balance_)
          return caf::make_error(caf::sec::invalid_argument);
        return balance_ -= n;
      },
      [this](reset_atom) { balance_ = 0; },
    };
  }

  replicated_call<int64_t> deposit(int64_t n) {
    return call<int64_t>(deposit_atom::value, n);
  }

  replicated_call<int64_t> withdraw(int64_t n) {
    return call<int64_t>(withdraw_atom::value, n);
  }

  int64_t balance() const {
    return read([this] { return balance_; });
  }

private:
  int64_t balance_ = 0;
};

template <class Cluster>
bool all_balances(Cluster& c, int64_t value) {
  for (auto i : c.started())
    if (c.object(i).balance() != value)
      return false;
  return true;
}

/// Runs `f`, which must throw apply_error, and returns its error.
template <class F>
std::optional<caf::error> apply_error_of(F f) {
  try {
    f();
  } catch (const apply_error& e) {
    return e.error();
  }
  return std::nullopt;
}

} // namespace

TEST_CASE("a handler's error reaches the caller and changes no replica",
          "[actors][user]") {
  local_cluster<account> c{{"a", "b", "c"}};
  REQUIRE(c.wait_all_ready());
  auto leader = c.await_leader();
  REQUIRE(leader.has_value());
  auto follower = (*leader + 1) % c.size();
  CHECK(c.object(follower).deposit(100).get() == 100);

  auto on_leader = apply_error_of([&] { c.object(*leader).deposit(-5).get(); });
  REQUIRE(on_leader.has_value());
  CHECK(*on_leader == caf::sec::invalid_argument);
  auto on_follower
    = apply_error_of([&] { c.object(follower).withdraw(1000).get(); });
  REQUIRE(on_follower.has_value());
  CHECK(*on_follower == caf::sec::invalid_argument);
  // Every replica applied the refused commands without effect: a later
  // command sees the old balance.
  CHECK(c.object(*leader).withdraw(1).get() == 99);
  CHECK(wait_until([&] { return all_balances(c, 99); }));

  SECTION("then() receives the handler's error") {
    report<std::pair<int64_t, caf::error>> r;
    c.object(follower).withdraw(500).then(
      [p = r.sink()](int64_t v, const caf::error& err) {
        p->set_value({v, err});
      });
    auto got = r.wait();
    REQUIRE(got.has_value());
    CHECK(got->second == caf::sec::invalid_argument);
    CHECK(got->first == 0);
    CHECK(c.object(follower).deposit(1).get() == 100);
    CHECK(wait_until([&] { return all_balances(c, 100); }));
  }

  SECTION("a void operation: get() returns, then() gets an empty error") {
    c.object(follower).call<void>(reset_atom::value).get();
    CHECK(c.object(follower).balance() == 0);
    CHECK(wait_until([&] { return all_balances(c, 0); }));
    report<caf::error> r;
    c.object(*leader).call<void>(reset_atom::value).then(
      [p = r.sink()](const caf::error& err) { p->set_value(err); });
    auto got = r.wait();
    REQUIRE(got.has_value());
    CHECK_FALSE(*got);
  }
}

TEST_CASE("a command without a matching handler fails as apply_error",
          "[actors][user]") {
  local_cluster<account> c{{"a", "b", "c"}};
  REQUIRE(c.wait_all_ready());
  auto leader = c.await_leader();
  REQUIRE(leader.has_value());
  auto follower = (*leader + 2) % c.size();
  CHECK(c.object(*leader).deposit(10).get() == 10);
  // An atom the account has no handler for, and a known atom with the wrong
  // argument type.
  auto unknown = apply_error_of([&] {
    c.object(follower).call<int64_t>(caf::atom("nosuch"), int64_t{1}).get();
  });
  REQUIRE(unknown.has_value());
  CHECK(to_fail_reason(*unknown) == fail_reason::bad_command);
  auto mistyped = apply_error_of([&] {
    c.object(*leader).call<int64_t>(deposit_atom::value, std::string{"ten"})
      .get();
  });
  REQUIRE(mistyped.has_value());
  CHECK(to_fail_reason(*mistyped) == fail_reason::bad_command);
  // The nodes keep working and agree.
  CHECK(c.object(follower).deposit(5).get() == 15);
  CHECK(c.object(*leader).deposit(5).get() == 20);
  CHECK(wait_until([&] { return all_balances(c, 20); }));
  for (auto& st : c.statuses())
    CHECK(st.pending_calls == 0);
}
