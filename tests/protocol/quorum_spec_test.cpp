// Quorum specs as configuration: the text form, node labels, the node's
// validation of them, and how a configuration carries them (JSON entries,
// old encodings, membership changes of labelled systems).

#include "protocol/config.hpp"
#include "protocol/membership.hpp"
#include "protocol/quorum_spec.hpp"

#include <catch2/catch.hpp>

using namespace flexsync;

namespace {

std::vector<node_id> ids(std::vector<std::string> names) {
  std::vector<node_id> out;
  for (auto& x : names)
    out.emplace_back(x);
  return out;
}

/// The message of the config_error `f` throws (fails when it throws none).
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const config_error& e) {
    return e.what();
  }
  FAIL("no config_error");
  return {};
}

std::string validation_error(node_config cfg) {
  return error_of([&] { cfg.normalize_and_validate(); });
}

node_config six_nodes() {
  return node_config{"a", {"b", "c", "d", "e", "f"}};
}

/// Voters a, b, c, d of weights 2, 1, 1, 1 (total 5).
membership weighted_abcd(size_t w1 = 3, size_t w2 = 3) {
  membership m;
  m.voters = ids({"a", "b", "c", "d"});
  m.quorum = quorum_spec::weighted(w1, w2,
                                   {{node_id{"a"}, 2},
                                    {node_id{"b"}, 1},
                                    {node_id{"c"}, 1},
                                    {node_id{"d"}, 1}});
  return m.normalize();
}

} // namespace

TEST_CASE("quorum specs read back what they print", "[quorum_spec]") {
  for (std::string text :
       {"majority", "counting(3,2)", "grid(3x3)", "grid(2x3,elect=columns)",
        "grid(2x2,order=d/c/b/a)", "weighted(election=5,replication=4)",
        "zones(fz=1,fn=0)"})
    CHECK(to_string(parse_quorum_spec(text)) == text);
  CHECK(parse_quorum_spec("counting(election=3, replication=2)") ==
        quorum_spec{3, 2});
  CHECK(parse_quorum_spec(" grid( 2x2 , elect=rows ) ") ==
        quorum_spec::grid(2, 2));
  CHECK(parse_quorum_spec("weighted(4,3)") == quorum_spec::weighted(4, 3));
  // A sorted order is the default one and is not printed.
  CHECK(to_string(quorum_spec::grid(1, 2, grid_lines::rows, ids({"a", "b"}))) ==
        "grid(1x2)");
}

TEST_CASE("bad quorum specs are refused with one line", "[quorum_spec]") {
  std::vector<std::pair<std::string, std::string>> cases{
      {"paxos(3)", "unknown kind 'paxos'"},
      {"counting(3)", "missing replication"},
      {"counting(0,2)", "election must be a positive integer"},
      {"counting(3,-1)", "replication must be a positive integer"},
      {"counting(3,2", "expected ')'"},
      {"grid(3by3)", "expected a shape ROWSxCOLUMNS"},
      {"grid(3x3,elect=diagonals)", "elect must be rows or columns"},
      {"grid(2x1,order=a//b)", "empty node"},
      {"weighted(election=3)", "missing replication"},
      {"zones(fz=1)", "missing fn"},
      {"zones(fz=x,fn=0)", "fz must be a number"},
      {"majority(3)", "unexpected argument '3'"},
      {"counting(3,2,speed=9)", "unexpected argument 'speed=9'"},
  };
  for (auto& [text, why] : cases) {
    auto msg = error_of([&] { parse_quorum_spec(text); });
    INFO(msg);
    CHECK_THAT(msg, Catch::StartsWith("quorum spec '" + text + "'"));
    CHECK_THAT(msg, Catch::Contains(why));
    CHECK(msg.find('\n') == std::string::npos);
  }
}

TEST_CASE("node labels are name=value lists split at the last '='",
          "[quorum_spec]") {
  label_map labels;
  parse_zone_labels("127.0.0.1:7001=us, 127.0.0.1:7002=eu", labels);
  parse_weight_labels("127.0.0.1:7001=3", labels);
  CHECK(labels[node_id{"127.0.0.1:7001"}] ==
        node_labels{std::string{"us"}, uint64_t{3}});
  CHECK(labels[node_id{"127.0.0.1:7002"}].zone == "eu");
  CHECK_THAT(error_of([&] { parse_weight_labels("a=0", labels); }),
             Catch::Contains("a weight must be a positive integer"));
  CHECK_THAT(error_of([&] { parse_weight_labels("b=two", labels); }),
             Catch::Contains("positive integer"));
  CHECK_THAT(error_of([&] { parse_zone_labels("us", labels); }),
             Catch::Contains("expected name=value"));
  CHECK_THAT(error_of([&] { parse_zone_labels("127.0.0.1:7001=eu", labels); }),
             Catch::Contains("labelled twice"));
}

TEST_CASE("a node config with zones labels builds a zones system",
          "[quorum_spec][config]") {
  auto cfg = six_nodes();
  cfg.quorum = parse_quorum_spec("zones(fz=1,fn=0)");
  parse_zone_labels("a=us,b=us,c=eu,d=eu,e=ap,f=ap", cfg.labels);
  REQUIRE_NOTHROW(cfg.normalize_and_validate());
  auto q = cfg.make_quorum_system();
  CHECK(q.type() == quorum_kind::zones);
  CHECK(q.to_string() == "zones(fz=1, fn=0, zones ap={e,f},eu={c,d},us={a,b})");
  // One voter in each of two zones commits; both voters of two zones elect.
  CHECK(q.is_replication_quorum({node_id{"a"}, node_id{"c"}}));
  CHECK_FALSE(q.is_replication_quorum({node_id{"a"}, node_id{"b"}}));
  CHECK(q.is_election_quorum(
      {node_id{"a"}, node_id{"b"}, node_id{"e"}, node_id{"f"}}));
  CHECK_FALSE(q.is_election_quorum(
      {node_id{"a"}, node_id{"b"}, node_id{"c"}, node_id{"e"}}));
  auto boot = bootstrap_configuration(cfg);
  REQUIRE(boot.current.quorum);
  CHECK(boot.current.quorum->zone_of.size() == 6);
  CHECK(boot.quorum() == q);
}

TEST_CASE("a node config refuses what the quorum system cannot use",
          "[quorum_spec][config]") {
  struct bad {
    std::string spec;
    std::string zones;
    std::string weights;
    std::string why;
  };
  std::vector<bad> cases{
      {"grid(2x3)", "", "",
       "unsafe quorum system grid(2x3): rows {a,b,c} and {d,e,f} are disjoint "
       "election quorums; a grid needs owned terms"},
      {"grid(3x3)", "", "", "grid(3x3) needs 9 voters, there are 6"},
      {"zones(fz=1,fn=1)", "a=us,b=us,c=eu,d=eu,e=eu,f=ap", "",
       "zone ap has 1 voter(s), fewer than fn+1 = 2"},
      {"zones(fz=1,fn=0)", "a=us,b=us,c=eu,d=eu,e=ap", "",
       "voter f has no zone"},
      {"zones(fz=1,fn=0)", "a=us,b=us,c=eu,d=eu,e=ap,f=ap,g=ap", "",
       "node labels: g is labelled but is not a voter"},
      {"weighted(election=4,replication=4)", "", "a=1,b=1,c=1,d=1,e=1",
       "voter f has no weight"},
      {"weighted(election=4,replication=2)", "", "a=1,b=1,c=1,d=1,e=1,f=1",
       "election quorum {a,b,c,d} and replication quorum {e,f} do not "
       "intersect"},
      {"weighted(election=3,replication=4)", "", "a=1,b=1,c=1,d=1,e=1,f=1",
       "election quorums {a,b,c} and {d,e,f} do not intersect"},
      {"weighted(election=9,replication=1)", "", "a=1,b=1,c=1,d=1,e=1,f=1",
       "election must be between 1 and 6 (the total weight), got 9"},
      {"counting(4,3)", "a=us", "", "counting(4,3) uses no zones"},
      {"majority", "", "a=2", "majority uses no weights"},
  };
  for (auto& x : cases) {
    auto cfg = six_nodes();
    cfg.quorum = parse_quorum_spec(x.spec);
    parse_zone_labels(x.zones, cfg.labels);
    parse_weight_labels(x.weights, cfg.labels);
    auto msg = validation_error(cfg);
    INFO(x.spec << ": " << msg);
    CHECK_THAT(msg, Catch::Contains(x.why));
    CHECK(msg.find('\n') == std::string::npos);
  }
}

TEST_CASE("a grid of several election lines needs owned terms",
          "[quorum_spec][config]") {
  auto cfg = six_nodes();
  cfg.quorum = parse_quorum_spec("grid(2x3)");
  CHECK_THAT(validation_error(cfg), Catch::Contains("needs owned terms"));
  cfg.terms = term_mode::owned;
  CHECK_NOTHROW(cfg.normalize_and_validate());
  // The simulator's unchecked terms are refused by nodes.
  cfg.terms = term_mode::unchecked;
  CHECK_THAT(validation_error(cfg),
             Catch::Contains("terms must be shared or owned"));
}

TEST_CASE("a grid's order is explicit in the configuration",
          "[quorum_spec][membership]") {
  auto cfg = node_config{"a", {"b", "c", "d"}};
  cfg.quorum = parse_quorum_spec("grid(1x4)");
  cfg.normalize_and_validate();
  auto boot = bootstrap_configuration(cfg);
  REQUIRE(boot.current.quorum);
  CHECK(boot.current.quorum->order == ids({"a", "b", "c", "d"}));
  // One row elects (all four), any one column (a single voter) commits.
  auto q = boot.quorum();
  CHECK(q.election_quorum() == 4);
  CHECK(q.replication_quorum() == 1);
  CHECK(q.to_string() == "grid(1x4, elect=rows, rows {a,b,c,d})");
}

TEST_CASE("labelled configurations survive their entry encoding",
          "[quorum_spec][membership]") {
  configuration c;
  c.current = weighted_abcd();
  c.old = membership{};
  c.old->voters = ids({"a", "b", "c", "d"});
  c.old->quorum = quorum_spec::zones(0, 0,
                                     {{node_id{"a"}, "us"},
                                      {node_id{"b"}, "us"},
                                      {node_id{"c"}, "eu"},
                                      {node_id{"d"}, "eu"}});
  auto data = encode_configuration(c);
  CHECK_THAT(data, Catch::Contains(R"("kind":"weighted")"));
  auto back = decode_configuration(data);
  REQUIRE(back);
  CHECK(*back == c);
  configuration g;
  g.current.voters = ids({"a", "b", "c", "d"});
  g.current.quorum =
      quorum_spec::grid(1, 4, grid_lines::rows, ids({"d", "c", "b", "a"}));
  back = decode_configuration(encode_configuration(g));
  REQUIRE(back);
  CHECK(*back == g);
  CHECK(back->quorum().to_string() == "grid(1x4, elect=rows, rows {d,c,b,a})");
}

TEST_CASE("entries written before quorum kinds existed load as before",
          "[quorum_spec][membership]") {
  // Exactly what the previous encoder wrote: no quorum (majority) and a
  // counting pair.
  auto plain = decode_configuration(
      R"({"current":{"learners":[],"voters":["a","b","c"]},"v":1})");
  REQUIRE(plain);
  CHECK_FALSE(plain->current.quorum);
  CHECK(plain->quorum().to_string() == "majority(3)");
  auto counting = decode_configuration(
      R"({"current":{"learners":["e"],"quorum":[3,2],"voters":["a","b","c","d"]},"v":1})");
  REQUIRE(counting);
  REQUIRE(counting->current.quorum);
  CHECK(*counting->current.quorum == quorum_spec{3, 2});
  CHECK(counting->quorum().to_string() ==
        "counting(n=4, election=3, replication=2)");
  // And counting is still written that way, so older nodes read it too.
  CHECK_THAT(encode_configuration(*counting),
             Catch::Contains(R"("quorum":[3,2])"));
  // Malformed or unknown quorum objects are no configuration.
  for (
      auto q :
      {R"({"kind":"paxos"})", R"({"kind":"grid","rows":2})",
       R"({"kind":"weighted","election":1,"replication":1,"weights":{"a":"x"}})",
       R"([1])", R"("majority")"})
    CHECK_FALSE(decode_configuration(
        std::string{
            R"({"v":1,"current":{"voters":["a"],"learners":[],"quorum":)"} +
        q + "}}"));
}

TEST_CASE("add_node into a labelled system is refused, remove_node relabels",
          "[quorum_spec][membership]") {
  auto base = weighted_abcd(4, 2);
  // add_node cannot know the new voter's weight.
  auto added = target_of({change_op::add_voter, node_id{"e"}, {}}, base);
  auto why = check_membership(added);
  REQUIRE(why);
  CHECK_THAT(*why, Catch::Contains("voter e has no weight"));
  CHECK_THAT(*why, Catch::Contains("change_membership"));
  // Adding an existing voter changes nothing and stays valid.
  CHECK(target_of({change_op::add_voter, node_id{"a"}, {}}, base) == base);
  // A learner needs no label.
  CHECK_FALSE(check_membership(
      target_of({change_op::add_learner, node_id{"e"}, {}}, base)));
  // Removing drops the voter's weight; the rest is validated as usual.
  auto removed = target_of({change_op::remove, node_id{"d"}, {}}, base);
  CHECK(removed.quorum->weight_of.count(node_id{"d"}) == 0);
  CHECK_FALSE(check_membership(removed)); // weights 2,1,1: 4 + 2 > 4
  removed = target_of({change_op::remove, node_id{"a"}, {}}, base);
  CHECK_THAT(*check_membership(removed),
             Catch::Contains("election must be between 1 and 3 (the total "
                             "weight), got 4"));
  // A grid loses its shape.
  membership grid;
  grid.voters = ids({"a", "b", "c", "d"});
  grid.quorum = quorum_spec::grid(1, 4);
  grid.normalize();
  auto shrunk = target_of({change_op::remove, node_id{"b"}, {}}, grid);
  CHECK(shrunk.quorum->order == ids({"a", "c", "d"}));
  CHECK_THAT(*check_membership(shrunk),
             Catch::Contains("grid(1x4) needs 4 voters, there are 3"));
  CHECK_THAT(*check_membership(
                 target_of({change_op::add_voter, node_id{"e"}, {}}, grid)),
             Catch::Contains("voter e has no cell"));
}

TEST_CASE("a labelled target with every label goes through joint consensus",
          "[quorum_spec][membership]") {
  membership plain;
  plain.voters = ids({"a", "b", "c", "d"});
  change_context ctx;
  ctx.config.current = plain;
  ctx.config_index = ctx.commit_index = ctx.term_start = ctx.last_index =
      index_t{10};
  // Weights 2, 1, 1, 1, 1 (total 6): 4 + 3 > 6 and 2 * 4 > 6.
  auto target = weighted_abcd(4, 3);
  target.voters.push_back(node_id{"e"});
  target.quorum->weight_of[node_id{"e"}] = 1;
  target.normalize();
  REQUIRE(admit_change(ctx, std::nullopt, target).ok());
  auto step = next_change_step(ctx, target);
  REQUIRE(step.what == change_step::kind::propose);
  CHECK(step.next.current.learners == ids({"e"}));
  ctx.config = step.next;
  ctx.match[node_id{"e"}] = index_t{10};
  step = next_change_step(ctx, target);
  REQUIRE(step.what == change_step::kind::propose);
  REQUIRE(step.next.joint());
  CHECK(step.next.current == target);
  // Only the weights change: still a joint phase.
  auto heavier = weighted_abcd(4, 3);
  heavier.quorum->weight_of[node_id{"b"}] = 2;
  REQUIRE_FALSE(check_membership(heavier));
  ctx.config = configuration{weighted_abcd(4, 3), std::nullopt};
  CHECK(next_change_step(ctx, heavier).next.joint());
}

TEST_CASE("specs from peers with huge numbers are refused, not trusted",
          "[quorum_spec]") {
  auto ab = ids({"a", "b"});
  // (2^63 + 1) * 2 wraps around to 2, the number of voters.
  auto grid = quorum_spec::grid((size_t{1} << 63) + 1, 2);
  CHECK_THAT(*quorum_system::check(ab, grid), Catch::Contains("needs"));
  auto zones = quorum_spec::zones(0, size_t(-1),
                                  {{ab[0], "us"}, {ab[1], "us"}});
  CHECK_THAT(*quorum_system::check(ab, zones), Catch::Contains("zone us"));
  zones.node_failures = 0;
  zones.zone_failures = size_t(-1);
  CHECK_THAT(*quorum_system::check(ab, zones),
             Catch::Contains("fz must be less than the number of zones"));
  auto weighted = quorum_spec::weighted(1, 1, {{ab[0], uint64_t(-1)},
                                               {ab[1], uint64_t(-1)}});
  CHECK_THAT(*quorum_system::check(ab, weighted),
             Catch::Contains("total weight must be at most"));
  weighted.weight_of = {{ab[0], 1}, {ab[1], 1}};
  weighted.election_quorum = size_t(-1);
  CHECK_THAT(*quorum_system::check(ab, weighted),
             Catch::Contains("election must be between 1 and 2"));
  auto unknown = quorum_spec{};
  unknown.kind = static_cast<quorum_kind>(7);
  CHECK_THAT(*quorum_system::check(ab, unknown),
             Catch::Contains("unknown kind 7"));
}

TEST_CASE("zone names are printable identifiers", "[quorum_spec]") {
  auto ab = ids({"a", "b"});
  for (std::string zone : {"", "us east", "us,east", "\xff", "a=b"}) {
    INFO(zone);
    auto spec = quorum_spec::zones(0, 0, {{ab[0], zone}, {ab[1], "eu"}});
    CHECK_THAT(quorum_system::check(ab, spec).value_or(""),
               Catch::Contains("voter a has no valid zone name"));
  }
  CHECK_FALSE(quorum_system::check(
    ab, quorum_spec::zones(0, 0, {{ab[0], "us-east-1"}, {ab[1], "eu"}})));
}
