#include "scenarios/sim/checker.hpp"

#include <algorithm>

namespace flexsync::sim {

namespace {

uint64_t mix(uint64_t h, uint64_t x) {
  // FNV-1a over the 8 bytes of x.
  for (int i = 0; i < 8; ++i) {
    h ^= (x >> (i * 8)) & 0xff;
    h *= 0x100000001b3ULL;
  }
  return h;
}

uint64_t hash_bytes(uint64_t h, const std::string& s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string name_of(const std::optional<node_id>& x) {
  return x ? x->name : "none";
}

} // namespace

fingerprint fingerprint_of(const log_entry& e) {
  uint64_t h = 0xcbf29ce484222325ULL;
  h = mix(h, e.term.value);
  h = mix(h, static_cast<uint64_t>(e.kind));
  h = mix(h, e.client_id);
  h = mix(h, e.request_id);
  h = hash_bytes(h, e.data);
  return {e.term, h};
}

// -- checked_storage ------------------------------------------------------------

void checked_storage::save_term_and_vote(term_t term,
                                         std::optional<node_id> voted_for) {
  owner_->on_term_vote(self_, current_term(), this->voted_for(), term,
                       voted_for);
  inner_->save_term_and_vote(term, std::move(voted_for));
}

void checked_storage::append(entry_list entries) {
  auto from = last_index() + 1;
  inner_->append(std::move(entries));
  owner_->on_log_change(self_, from);
}

void checked_storage::truncate_suffix(index_t from) {
  if (from <= commit_index())
    owner_->violation(self_.name + " truncates its log at "
                      + to_string(from) + " at or below its commit index "
                      + to_string(commit_index()));
  inner_->truncate_suffix(from);
  owner_->on_log_change(self_, from);
  owner_->on_log_cut(self_, inner_->last_index());
}

void checked_storage::save_commit_index(index_t index) {
  if (index < commit_index())
    owner_->violation(self_.name + " lowers its commit index from "
                      + to_string(commit_index()) + " to " + to_string(index));
  if (index > last_index())
    owner_->violation(self_.name + " commits " + to_string(index)
                      + " beyond its last index " + to_string(last_index()));
  inner_->save_commit_index(index);
}

void checked_storage::install_snapshot(index_t index, term_t term,
                                       int64_t time) {
  inner_->install_snapshot(index, term, time);
  owner_->on_snapshot_installed(self_);
  owner_->on_log_cut(self_, inner_->last_index());
}

log_entry checked_storage::at(index_t i) const {
  entry_list out;
  inner_->entries(i, i, 1, out);
  return std::move(out.front());
}

// -- checker --------------------------------------------------------------------

std::tuple<node_id, uint64_t, term_t> checker::vote_key(const node_id& id,
                                                        term_t term) const {
  auto i = incarnation_.find(id);
  return {id, i == incarnation_.end() ? 0 : i->second, term};
}

std::shared_ptr<checked_storage>
checker::make_storage(const node_id& id, std::shared_ptr<storage> inner,
                      bool lost_state) {
  if (!inner)
    inner = std::make_shared<memory_storage>();
  auto store = std::make_shared<checked_storage>(id, this, std::move(inner));
  auto restart = stores_.count(id) > 0;
  stores_[id] = store;
  if (lost_state && restart) {
    // A new incarnation: it holds nothing, so it acknowledged nothing, and
    // its votes are its own (the old incarnation's stay recorded under it).
    ++incarnation_[id];
    acked_log_[id] = index_t{0};
  }
  // Durability: a restarted node still holds everything it acknowledged.
  if (auto i = acked_log_.find(id); rule_checks_ && i != acked_log_.end()
                                    && store->last_index() < i->second)
    violation(id.name + " acknowledged its log up to " + to_string(i->second)
              + " but recovered only up to " + to_string(store->last_index())
              + " after a crash");
  if (auto i = votes_.find(vote_key(id, store->current_term()));
      rule_checks_ && i != votes_.end() && store->voted_for() != i->second)
    violation(id.name + " recovered "
              + (store->voted_for() ? "a vote for " + store->voted_for()->name
                                    : std::string{"no vote"})
              + " in term " + to_string(store->current_term())
              + " but had voted for " + i->second.name);
  // A restarted node's log is checked again after its snapshot boundary.
  on_log_change(id, index_t{1});
  return store;
}

void checker::on_restore(const node_id& self, index_t index) {
  auto& last = applied_[self];
  if (index <= last)
    return;
  if (committed_.empty() || committed_.rbegin()->first < index)
    violation(self.name + " restores a snapshot at " + to_string(index)
              + " beyond every committed index");
  last = index;
}

void checker::on_start(const node_id& id) {
  applied_[id] = index_t{0};
}

void checker::violation(std::string what) {
  violations_.push_back(std::move(what));
}

void checker::on_term_vote(const node_id& self, term_t old_term,
                           const std::optional<node_id>& old_vote, term_t term,
                           const std::optional<node_id>& vote) {
  if (term < old_term)
    violation(self.name + " lowers current_term from " + to_string(old_term)
              + " to " + to_string(term));
  if (rule_checks_ && term == old_term && old_vote && vote != old_vote)
    violation(self.name + " votes twice in term " + to_string(term) + ": "
              + old_vote->name + " then " + name_of(vote));
  // Across restarts too: what a node once voted in a term is remembered
  // here, whatever its disk recovered.
  if (vote) {
    auto [i, added] = votes_.emplace(vote_key(self, term), *vote);
    if (rule_checks_ && !added && i->second != *vote)
      violation(self.name + " votes twice in term " + to_string(term)
                + " (across a restart): " + i->second.name + " then "
                + vote->name);
  }
}

void checker::on_log_change(const node_id& self, index_t from) {
  auto i = dirty_.find(self);
  if (i == dirty_.end())
    dirty_.emplace(self, from);
  else
    i->second = std::min(i->second, from);
}

void checker::on_log_cut(const node_id& self, index_t last) {
  auto& acked = acked_log_[self];
  acked = std::min(acked, last);
}

void checker::on_ack_sent(const node_id& self, index_t index) {
  auto& acked = acked_log_[self];
  acked = std::max(acked, index);
}

void checker::on_vote_sent(const node_id& self, term_t term,
                           const node_id& candidate) {
  auto [i, added] = votes_.emplace(vote_key(self, term), candidate);
  if (rule_checks_ && !added && i->second != candidate)
    violation(self.name + " grants a vote in term " + to_string(term) + " to "
              + candidate.name + " after granting it to " + i->second.name);
}

void checker::on_snapshot_installed(const node_id& self) {
  reseed_.insert(self);
  on_log_change(self, index_t{1});
}

void checker::check_logs() {
  for (auto& [id, from] : dirty_) {
    auto& store = *stores_.at(id);
    auto& chain = chains_[id];
    if (reseed_.erase(id) > 0)
      chain.clear();
    auto first = std::max(from, store.snapshot_index() + 1);
    chain.resize(std::min<size_t>(first.value - 1, chain.size()));
    // After a snapshot install the chain continues from the history that
    // some node's log held at the snapshot's last entry.
    auto snap = store.snapshot_index();
    if (chain.size() < snap.value) {
      auto it = chain_at_.find(std::make_pair(snap, store.term_at(snap)));
      if (it == chain_at_.end()) {
        violation(id.name + " holds a snapshot at " + to_string(snap)
                  + " of term " + to_string(store.term_at(snap))
                  + " that no node's log ever held");
        continue;
      }
      chain.resize(snap.value, 0);
      chain.back() = it->second;
    }
    for (auto i = index_t{chain.size() + 1}; i <= store.last_index(); ++i) {
      auto e = store.at(i);
      auto prev = chain.empty() ? 0 : chain.back();
      auto h = mix(prev, fingerprint_of(e).hash);
      chain.push_back(h);
      auto [it, added] = chain_at_.emplace(std::make_pair(i, e.term), h);
      if (!added && it->second != h)
        violation("log matching: " + id.name + " holds entry "
                  + to_string(i) + " of term " + to_string(e.term)
                  + " with a different history than another node");
    }
  }
  dirty_.clear();
}

void checker::on_role_change(const node_id& self, raft_role role, term_t term,
                             const node_id& leader) {
  roles_[self] = role_view{role, term, leader};
  if (role != raft_role::leader)
    return;
  auto [i, added] = leaders_.emplace(term, self);
  if (!added && i->second != self)
    violation("election safety: " + i->second.name + " and " + self.name
              + " both lead term " + to_string(term));
  // Leader completeness (§5.4): an entry committed in a term before this one
  // is in the new leader's log.
  auto& store = *stores_.at(self);
  for (auto& [idx, fp] : committed_) {
    auto ct = commit_term_.find(idx);
    if (idx <= store.snapshot_index() || ct == commit_term_.end()
        || ct->second >= term)
      continue;
    if (idx > store.last_index()
        || !(fingerprint_of(store.at(idx)) == fp)) {
      violation("leader completeness: leader " + self.name + " of term "
                + to_string(term) + " lacks entry " + to_string(idx)
                + " committed in term " + to_string(ct->second));
      return;
    }
  }
}

void checker::on_commit(const node_id& self, index_t index,
                        term_t counted_in) {
  auto& known = commit_[self];
  auto& store = *stores_.at(self);
  if (counted_in > term_t{0}) {
    // §5.4.2: a leader commits by counting replicas only entries of its own
    // term (earlier ones are committed indirectly, with them).
    if (rule_checks_ && store.term_at(index) != counted_in)
      violation("commit rule: leader " + self.name + " of term "
                + to_string(counted_in) + " commits index " + to_string(index)
                + " of term " + to_string(store.term_at(index))
                + " by counting");
    for (auto i = index; i > known; i = i - 1) {
      auto [it, added] = commit_term_.emplace(i, counted_in);
      if (!added) {
        if (it->second <= counted_in)
          break;
        it->second = counted_in;
      }
    }
  }
  for (auto i = std::max(known + 1, store.snapshot_index() + 1); i <= index;
       ++i) {
    auto fp = fingerprint_of(store.at(i));
    auto [it, added] = committed_.emplace(i, fp);
    if (!added && !(it->second == fp))
      violation("commit: " + self.name + " commits entry " + to_string(i)
                + " of term " + to_string(fp.term)
                + " but another node committed a different entry there");
  }
  known = std::max(known, index);
}

void checker::on_apply(const node_id& self, const log_entry& e) {
  auto& last = applied_[self];
  if (e.index != last + 1)
    violation(self.name + " applies " + to_string(e.index) + " after "
              + to_string(last));
  last = e.index;
  auto fp = fingerprint_of(e);
  auto [it, added] = applied_at_.emplace(e.index, fp);
  if (!added && !(it->second == fp))
    violation("state machine safety: " + self.name + " applies a different "
              + "entry at index " + to_string(e.index));
  if (auto c = committed_.find(e.index);
      c == committed_.end() || !(c->second == fp))
    violation(self.name + " applies uncommitted entry " + to_string(e.index));
  if (e.kind != entry_kind::command)
    return;
  call_key key{e.client_id, e.request_id};
  if (auto d = doomed_.find(key); d != doomed_.end())
    violation("call " + std::to_string(e.request_id) + " was reported as "
              + d->second + ", but is applied at " + to_string(e.index)
              + " (term " + to_string(e.term) + ")");
  applied_calls_.emplace(key, e.index);
}

void checker::on_call_done(const node_id& self, uint64_t client_id,
                           uint64_t request_id, fail_reason reason) {
  call_key key{client_id, request_id};
  auto applied = applied_calls_.find(key);
  if (reason == fail_reason::success) {
    if (applied == applied_calls_.end())
      violation(self.name + " acknowledges call "
                + std::to_string(request_id) + " that was never applied");
    else
      acked_.emplace(key, applied->second);
    return;
  }
  if (!proves_not_applied(reason))
    return;
  if (applied != applied_calls_.end())
    violation(self.name + " fails call " + std::to_string(request_id)
              + " with " + to_string(reason) + " but it is applied at "
              + to_string(applied->second));
  doomed_.emplace(key, std::string{to_string(reason)} + " on " + self.name);
}

void checker::end_check(const std::vector<node_id>& live) {
  index_t needed;
  for (auto& [key, idx] : acked_)
    needed = std::max(needed, idx);
  for (auto& id : live)
    if (applied(id) < needed)
      violation("acknowledged command at index " + to_string(needed)
                + " is not applied on " + id.name + " (applied "
                + to_string(applied(id)) + ")");
}

void checker::forget_history() {
  leaders_.clear();
  committed_.clear();
  commit_term_.clear();
  applied_at_.clear();
  commit_.clear();
  acked_log_.clear();
  chain_at_.clear();
  applied_calls_.clear();
  acked_.clear();
  doomed_.clear();
}

void checker::on_member_state(const node_id& self, member_state state) {
  members_[self] = state;
}

void checker::on_config(const node_id& self, const configuration& config,
                        index_t index) {
  configs_[self] = config;
  auto i = stores_.find(self);
  if (index == index_t{0} || i == stores_.end())
    return;
  auto& store = *i->second;
  if (index <= store.snapshot_index() || index > store.last_index())
    return; // folded into a snapshot: the snapshot carried it
  entry_list at;
  store.entries(index, index, SIZE_MAX, at);
  if (at.size() != 1 || at.front().kind != entry_kind::config
      || decode_configuration(at.front().data) != config)
    violation("configuration: " + self.name + " is in " + config.to_string()
              + " from index " + to_string(index)
              + ", which its log does not hold there");
}

const configuration* checker::config_of(const node_id& id) const {
  auto i = configs_.find(id);
  return i == configs_.end() ? nullptr : &i->second;
}

member_state checker::member(const node_id& id) const {
  auto i = members_.find(id);
  return i == members_.end() ? member_state::intact : i->second;
}

index_t checker::applied(const node_id& id) const {
  auto i = applied_.find(id);
  return i == applied_.end() ? index_t{0} : i->second;
}

index_t checker::commit_of(const node_id& id) const {
  auto i = commit_.find(id);
  return i == commit_.end() ? index_t{0} : i->second;
}

} // namespace flexsync::sim
