#include "protocol/read_index.hpp"

#include "protocol/assert.hpp"
#include "protocol/planted_bugs.hpp"

namespace flexsync {

void read_index_queue::add(uint64_t ticket, index_t commit,
                           bool committed_in_term) {
  if (committed_in_term)
    reads_.push_back(read{ticket, commit, 0});
  else
    waiting_.push_back(ticket);
}

void read_index_queue::on_term_commit(index_t commit) {
  for (auto t : waiting_)
    reads_.push_back(read{t, commit, 0});
  waiting_.clear();
}

bool read_index_queue::round_wanted() const {
  return !reads_.empty() && reads_.back().round == 0;
}

uint64_t read_index_queue::start_round(sim_time now) {
  ++round_;
  for (auto i = reads_.rbegin(); i != reads_.rend() && i->round == 0; ++i)
    i->round = round_;
  sent_.emplace_back(round_, now);
  if (sent_.size() > max_rounds_kept)
    sent_.pop_front();
  return round_;
}

void read_index_queue::end_lease() {
  lease_until_ = sim_time{0};
  lease_floor_ = round_;
}

void read_index_queue::on_ack(const node_id& follower, uint64_t round) {
  if (round == 0 || round > round_)
    return; // not a round of this leader (a peer speaking nonsense)
  auto& x = acks_[follower];
  x = std::max(x, round);
}

std::vector<released_read>
read_index_queue::confirmed(const quorum_system& quorum, const node_id& self,
                            const node_set& counting) {
  auto holds = [&](uint64_t r) {
    if (planted(planted_bug::read_index_unconfirmed))
      return true;
    node_set echoed{self};
    for (auto& [f, acked] : acks_)
      if (acked >= r && counting.count(f) > 0)
        echoed.insert(f);
    return quorum.is_replication_quorum(echoed);
  };
  // The newest round a quorum echoed confirms every older one too.
  for (auto i = sent_.rbegin(); i != sent_.rend(); ++i) {
    if (!holds(i->first))
      continue;
    confirmed_ = std::max(confirmed_, i->first);
    if (leases() && i->first > lease_floor_)
      lease_until_ = std::max(lease_until_, i->second + lease_);
    sent_.erase(sent_.begin(), i.base());
    break;
  }
  std::vector<released_read> out;
  while (!reads_.empty() && reads_.front().round != 0
         && reads_.front().round <= confirmed_) {
    FLEXSYNC_ASSERT(out.empty() || out.back().index <= reads_.front().index,
                    "read indexes released out of order");
    out.push_back(released_read{reads_.front().ticket, reads_.front().index});
    reads_.pop_front();
  }
  return out;
}

std::vector<uint64_t> read_index_queue::clear() {
  std::vector<uint64_t> out = std::move(waiting_);
  waiting_.clear();
  for (auto& r : reads_)
    out.push_back(r.ticket);
  reads_.clear();
  acks_.clear();
  sent_.clear();
  confirmed_ = round_;
  end_lease();
  return out;
}

} // namespace flexsync
