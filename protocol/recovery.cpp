#include "protocol/recovery.hpp"

#include <algorithm>

#include "protocol/assert.hpp"
#include "protocol/term_owner.hpp"

namespace flexsync {

namespace {

std::string render(const node_set& xs) {
  std::string out = "{";
  for (auto& x : xs) {
    if (out.size() > 1)
      out += ',';
    out += x.name;
  }
  return out + "}";
}

} // namespace

const char* to_string(member_state x) {
  switch (x) {
    case member_state::intact:
      return "intact";
    case member_state::recovering:
      return "recovering";
    default:
      return "promised";
  }
}

recovery::recovery(node_id self, incarnation_t incarnation,
                   quorum_system quorum, bool fresh, bool durable,
                   std::optional<promise> restored, bool joining)
  : self_(std::move(self)),
    incarnation_(incarnation),
    quorum_(std::move(quorum)),
    voter_(quorum_.is_voter(self_)),
    durable_(durable) {
  intact_ = !fresh || (!voter_ && !joining);
  vacuous_ = fresh && intact_;
  if (!intact_)
    promise_ = std::move(restored);
  known_.merge(self_, incarnation_);
}

bool recovery::set_quorum(quorum_system quorum) {
  bool was_probing = probing();
  quorum_ = std::move(quorum);
  voter_ = quorum_.is_voter(self_);
  if (voter_ && vacuous_) {
    intact_ = false;
    vacuous_ = false;
  }
  return probing() && !was_probing;
}

member_state recovery::state() const {
  if (intact_)
    return member_state::intact;
  return promise_ ? member_state::promised : member_state::recovering;
}

bool recovery::counts_for(const node_id& leader, term_t term) const {
  // A learner's acks count in no quorum; the flag tells the leader whether
  // it could count once promoted (it holds its state).
  if (!voter_)
    return intact_ && !vacuous_;
  if (intact_)
    return true;
  return promise_ && promise_->candidate == leader && term >= promise_->term;
}

bool recovery::accepts(const node_id& leader, term_t term) const {
  return !promise_
         || (promise_->candidate == leader && term >= promise_->term);
}

recovery_probe recovery::next_probe() {
  return recovery_probe{self_, incarnation_, ++probe_seq_};
}

recovery_report recovery::on_probe(const recovery_probe& p,
                                   const log_facts& log) {
  // Recorded before anything else: from now on every vote this node grants
  // carries the prober's new incarnation (the crash-vector argument).
  known_.merge(p.from, p.incarnation);
  recovery_report r;
  r.from = self_;
  r.incarnation = incarnation_;
  r.seq = p.seq;
  r.current_term = log.current_term;
  r.intact = voter_ && intact_;
  r.holds_state = intact_ && !vacuous_;
  r.last_log_index = log.last_index;
  r.last_log_term = log.last_term;
  r.durable = durable_;
  r.holds_data = log.holds_data;
  r.commit_index = log.commit_index;
  r.leader = log.leader;
  if (promise_)
    r.promised = *promise_;
  r.known = known_;
  return r;
}

recovery::report_effect recovery::on_report(const recovery_report& r) {
  report_effect effect;
  if (r.from == self_ || !quorum_.is_voter(r.from))
    return effect;
  known_.merge(r.known);
  known_.merge(r.from, r.incarnation);
  if (r.known.of(self_) > incarnation_) {
    stale_self_ = true;
    effect.stale_self = true;
  }
  auto i = reports_.find(r.from);
  if (i == reports_.end())
    reports_.emplace(r.from, r);
  else if (r.incarnation > i->second.incarnation
           || (r.incarnation == i->second.incarnation
               && r.seq >= i->second.seq))
    i->second = r;
  if (intact_ || stale_self_)
    return effect;
  if (!floor_) {
    floor_ = compute_floor();
    effect.floor = floor_;
  }
  if (promise_ && r.from == promise_->candidate && r.holds_state
      && !r.intact) {
    // Its candidate holds its state but is no voter of its own
    // configuration any more (removed, or a learner): it campaigns no more,
    // and no later leader will report through it. Ending a promise only
    // takes away this node's vote and acks (safe); it catches up like any
    // node that lost its state, learning the configuration on the way.
    promise_.reset();
    effect.promise_ended = true;
  } else if (promise_ && floor_ && promise_fulfilled()) {
    // Its candidate committed in a term it led: the cluster it formed (or
    // recovered) exists, so nothing can complete the campaign this node
    // promised any more; and the voters holding their state can elect and
    // commit without it. It keeps its term and votes and rejoins like any
    // other, under whichever leader it meets.
    promise_.reset();
    effect.promise_ended = true;
  } else if (promise_ && r.from == promise_->candidate && r.intact
             && !r.leader.empty() && r.leader != promise_->candidate
             && r.current_term > promise_->term) {
    // Its candidate follows a later leader, legitimately elected: this node
    // follows that one now. Its incarnation is unknown here (0), so it gets
    // this node's vote only when up to date (may_grant).
    promise_ = promise{r.leader, incarnation_t{0}, r.current_term};
    effect.promise_moved = true;
  }
  return effect;
}

bool recovery::promise_fulfilled() const {
  node_set holders;
  for (auto& [id, r] : reports_)
    if (r.intact)
      holders.insert(id);
  return holders.count(promise_->candidate) > 0
         && quorum_.is_election_quorum(holders)
         && quorum_.is_replication_quorum(holders);
}

std::optional<term_t> recovery::compute_floor() const {
  // Intact voters whose complement is no election quorum: every election
  // quorum holds one of them, so one of them saw every elected term.
  node_set holders;
  term_t floor;
  for (auto& [id, r] : reports_)
    if (r.intact) {
      holders.insert(id);
      floor = std::max(floor, r.current_term);
    }
  node_set rest;
  for (auto& v : quorum_.voters())
    if (holders.count(v) == 0)
      rest.insert(v);
  if (quorum_.is_election_quorum(rest))
    return std::nullopt;
  return floor;
}

bool recovery::may_bootstrap(bool holds_data, bool durable) const {
  // A node that holds no data has nothing to lose; a disk node lost nothing
  // it acknowledged. A memory node with data may hold entries the others
  // lost: the cluster waits for an operator instead.
  return !holds_data || durable;
}

bool recovery::promised_to_self() const {
  // A disk node that restarted still holds the log it promised with.
  return promise_ && promise_->candidate == self_
         && (promise_->candidate_incarnation == incarnation_ || durable_);
}

bool recovery::others_may_bootstrap(bool all_heard) const {
  // Every other voter, in its latest incarnation, reported that it lost its
  // state and may take part (`all_heard`), or at least none reported that
  // it may not.
  for (auto& v : quorum_.voters()) {
    if (v == self_)
      continue;
    auto i = reports_.find(v);
    if (i == reports_.end()) {
      if (all_heard)
        return false;
      continue;
    }
    auto& r = i->second;
    if (r.intact || r.incarnation < known_.of(v)
        || !may_bootstrap(r.holds_data, r.durable))
      return false;
  }
  return true;
}

grant_rule recovery::may_grant(const request_vote& req,
                               const log_facts& log) const {
  if (!voter_ || intact_ || stale_self_)
    return grant_rule::no;
  // A promise only ever moves to a higher term (or is completed in its
  // own): a vote below it, or for another candidate in it, would bind this
  // node to two candidates. (A moved promise can be above this node's
  // term, so the ordinary term check does not catch it: flexsync-sim seed
  // 501658, where the promised leader restarted empty and, with owned
  // terms, campaigned in a term between.)
  if (promise_
      && (req.term < promise_->term
          || (req.term == promise_->term
              && req.candidate != promise_->candidate)))
    return grant_rule::no;
  switch (req.kind) {
    case vote_kind::recover:
      return grant_rule::yes;
    case vote_kind::bootstrap:
      // Its own reports must not contradict the candidate's (a voter it
      // hears hold its state refuses anyway, and so does this node). Safety
      // does not rest on them: every voter must grant, each only while it
      // may take part and only a candidate at least as up to date.
      return may_bootstrap(log.holds_data, durable_)
                 && others_may_bootstrap(false)
                 && !leader_can_commit(req, log)
               ? grant_rule::if_up_to_date
               : grant_rule::no;
    default:
      // A promised node keeps following its candidate when it campaigns
      // again (it may have lost its leadership before this node learned of
      // a commit): it votes for nobody else, so every quorum it is part of
      // is one the candidate's log decides. A later incarnation of the
      // candidate may have lost entries: then only if it is up to date.
      if (!promise_ || promise_->candidate != req.candidate)
        return grant_rule::no;
      return promise_->candidate_incarnation == req.incarnation
               ? grant_rule::yes
               : grant_rule::if_up_to_date;
  }
}

bool recovery::leader_can_commit(const request_vote& req,
                                 const log_facts& log) const {
  // It follows the candidate it promised as leader of the promise's term,
  // that incarnation is the newest it knows, and the voters bound to it
  // (this node, the candidate, every voter whose report of its current
  // incarnation names the same promise) form a replication quorum: the
  // leader can commit and make them intact. Moving the promise to a
  // bootstrap would strand them: once intact, the leader refuses every
  // bootstrap, and the promise never counts for it again (flexsync-sim
  // seed 400320 on 4b3b231). Refusing a vote is always safe; a stale
  // report only delays the bootstrap until the next probe round.
  if (!promise_ || promise_->candidate == req.candidate
      || promise_->candidate == self_)
    return false;
  if (log.leader == promise_->candidate
      && log.current_term == promise_->term
      && known_.of(promise_->candidate) <= promise_->candidate_incarnation) {
    node_set bound{self_, promise_->candidate};
    for (auto& [id, r] : reports_)
      if (r.incarnation >= known_.of(id)
          && r.promised.candidate == promise_->candidate
          && r.promised.candidate_incarnation
               == promise_->candidate_incarnation)
        bound.insert(id);
    if (quorum_.is_replication_quorum(bound))
      return true;
  }
  return leader_of_term_can_commit(req.candidate, log);
}

bool recovery::leader_of_term_can_commit(const node_id& other,
                                         const log_facts& log) const {
  // The same in a later term: it follows a leader L of its current term
  // that it counts for (its candidate, perhaps in a new incarnation that
  // led again), L's latest report (of the newest incarnation known) says it
  // still leads that term, and the voters that count for L in that term by
  // their latest reports (intact, or promised to L in that term or before)
  // form a replication quorum. A bootstrap of another candidate would bind
  // this node away from a leader that can commit and make it intact, while
  // the voters that stay bound to L keep the bootstrap from ever making a
  // replication quorum either (flexsync-sim seed 71, owned terms). Only
  // refuses (or, for this node's own campaign, forgoes) a vote: always
  // safe; a report that goes stale lifts the refusal at the next probe.
  auto& l = log.leader;
  if (!promise_ || l.empty() || l == other || l == self_
      || log.current_term <= promise_->term
      || !counts_for(l, log.current_term))
    return false;
  auto i = reports_.find(l);
  if (i == reports_.end() || i->second.incarnation < known_.of(l)
      || i->second.leader != l || i->second.current_term != log.current_term)
    return false;
  node_set bound{self_, l};
  for (auto& [id, r] : reports_)
    if (r.incarnation >= known_.of(id)
        && (r.intact
            || (r.promised.candidate == l
                && r.promised.term <= log.current_term)))
      bound.insert(id);
  return quorum_.is_replication_quorum(bound);
}

void recovery::on_promise(promise p) {
  FLEXSYNC_ASSERT(!intact_, self_.name + " promises while intact");
  // A promise that moved to a later leader does not know its incarnation
  // (0); that leader's vote request of the same term, arriving late, names
  // it: the same promise, completed.
  auto completes = promise_ && promise_->candidate_incarnation == incarnation_t{0}
                   && p.candidate == promise_->candidate
                   && p.term == promise_->term;
  FLEXSYNC_ASSERT(!promise_ || p.term > promise_->term || p == *promise_
                    || completes,
                  self_.name + " promises " + p.candidate.name + " in term "
                    + to_string(p.term) + " after a promise in term "
                    + to_string(promise_->term));
  promise_ = std::move(p);
}

void recovery::on_campaign(vote_kind kind, term_t term) {
  campaign_term_ = term;
  campaign_kind_ = kind;
}

std::optional<promise> recovery::on_lead(term_t term) {
  if (intact_)
    return std::nullopt;
  FLEXSYNC_ASSERT(term == campaign_term_
                    && (campaign_kind_ != vote_kind::normal
                        || promised_to_self()),
                  self_.name + " leads term " + to_string(term)
                    + " without its state and without a bootstrap or "
                      "recovery campaign in it");
  on_promise(promise{self_, incarnation_, term});
  return promise_;
}

std::optional<vote_kind> recovery::campaign(const log_facts& log) const {
  if (!voter_)
    return std::nullopt;
  if (intact_)
    return vote_kind::normal;
  if (stale_self_)
    return std::nullopt;
  if (can_bootstrap(log))
    return vote_kind::bootstrap;
  if (promised_to_self())
    return vote_kind::normal;
  return std::nullopt;
}

bool recovery::can_bootstrap(const log_facts& log) const {
  if (!may_bootstrap(log.holds_data, durable_) || !others_may_bootstrap(true))
    return false;
  // While the incarnation it promised lives, that candidate may be winning:
  // campaigning against it could only trap the others' promises.
  if (promise_ && promise_->candidate != self_
      && known_.of(promise_->candidate) <= promise_->candidate_incarnation)
    return false;
  // Nor while it follows a later leader that can commit with the voters
  // that count for it (leader_of_term_can_commit): they would refuse.
  if (leader_of_term_can_commit(self_, log))
    return false;
  // This node's log is the most up to date (ties: the smallest voter leads,
  // so the others do not split the votes). A voter promised to this very
  // incarnation does not count: it waits for this node to campaign again
  // (can_bootstrap on its side), and it granted only because this node's
  // log was at least as up to date as its own.
  for (auto& [v, r] : reports_) {
    if (r.promised.candidate == self_
        && r.promised.candidate_incarnation == incarnation_)
      continue;
    auto theirs = std::make_pair(r.last_log_term, r.last_log_index);
    auto mine = std::make_pair(log.last_term, log.last_index);
    if (theirs > mine || (theirs == mine && v < self_))
      return false;
  }
  return true;
}

term_t recovery::special_term(const log_facts& log) const {
  auto t = log.current_term;
  for (auto& [id, r] : reports_)
    t = std::max(t, r.current_term);
  if (promise_)
    t = std::max(t, promise_->term);
  return campaign_term(quorum_.terms(), self_, t);
}

void recovery::on_leader_commit(term_t term, incarnation_t known,
                                index_t commit) {
  if (intact_ || known != incarnation_)
    return;
  if (!leader_mark_ || leader_mark_->first < term)
    leader_mark_.emplace(term, commit);
  else if (leader_mark_->first == term)
    leader_mark_->second = std::min(leader_mark_->second, commit);
}

bool recovery::on_commit(const log_facts& log, term_t term_at_commit) {
  if (intact_ || stale_self_ || log.commit_index == index_t{0}
      || quorum_.voters().empty())
    return false;
  // A committed entry of the term of the leader it follows: that leader
  // committed in its own term, so this log holds every entry committed
  // before that term; in the floor term also every one committed with the
  // old incarnation's acks once it reached the leader's mark.
  bool caught_up = term_at_commit == log.current_term;
  if (promise_) {
    caught_up = caught_up && log.current_term >= promise_->term;
  } else {
    auto t = log.current_term;
    bool marked = leader_mark_ && leader_mark_->first == t
                  && log.commit_index >= leader_mark_->second;
    caught_up = caught_up && floor_ && (t > *floor_ || (t == *floor_ && marked));
  }
  if (!caught_up)
    return false;
  intact_ = true;
  promise_.reset();
  reports_.clear();
  return true;
}

std::string recovery::explain() const {
  if (intact_)
    return {};
  if (stale_self_)
    return "cannot rejoin: a peer knows incarnation "
           + to_string(known_.of(self_)) + " of this node, newer than its "
           + to_string(incarnation_)
           + " (was its clock set back across a restart?); restart it once "
             "its clock is past that";
  if (promise_)
    return "lost its state; follows " + promise_->candidate.name + " in term "
           + to_string(promise_->term)
           + " (bootstrap or recovery) until it holds a committed entry of "
             "that term";
  if (floor_)
    return "lost its state; term floor " + to_string(*floor_)
           + ": catching up with a leader of that term or later (in that "
             "term, up to the commit index it had on hearing this node) "
             "before it votes again";
  node_set intact, lost, silent;
  for (auto& v : quorum_.voters()) {
    if (v == self_)
      continue;
    auto i = reports_.find(v);
    if (i == reports_.end())
      silent.insert(v);
    else
      (i->second.intact ? intact : lost).insert(v);
  }
  std::string out = "lost its state; waiting for enough intact voters to "
                    "report (intact: "
                    + render(intact) + ", lost their state too: "
                    + render(lost) + ", not heard: " + render(silent) + ")";
  if (!lost.empty())
    out += "; if a majority lost its state, recover explicitly from the most "
           "up-to-date node (force-recover)";
  return out;
}

} // namespace flexsync
