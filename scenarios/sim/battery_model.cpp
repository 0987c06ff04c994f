#include "scenarios/sim/battery_model.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "scenarios/sim/checker.hpp"

namespace flexsync::sim {

namespace {

uint64_t fnv1a(const std::vector<char>& bytes) {
  uint64_t h = 14695981039346656037ull;
  for (auto c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

/// Python's rule for a position (negative counts from the end); nothing
/// outside [0, size). Written here again, not taken from the batteries.
std::optional<size_t> python_position(int64_t pos, size_t size) {
  auto n = static_cast<int64_t>(size);
  if (pos < 0)
    pos += n;
  if (pos < 0 || pos >= n)
    return std::nullopt;
  return static_cast<size_t>(pos);
}

/// Python's rule for insert: clamped to [0, size].
size_t python_insert_position(int64_t pos, size_t size) {
  auto n = static_cast<int64_t>(size);
  if (pos < 0)
    pos = std::max<int64_t>(pos + n, 0);
  return static_cast<size_t>(std::min(pos, n));
}

int pick(std::mt19937_64& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>{lo, hi}(rng);
}

std::string key(std::mt19937_64& rng, char prefix) {
  return std::string(1, prefix) + std::to_string(pick(rng, 0, 5));
}

} // namespace

// -- sim_batteries --------------------------------------------------------------

std::vector<replicated_object*> sim_batteries::objects() {
  return {&counter, &dict, &list, &set, &queue};
}

std::vector<uint64_t> sim_batteries::digest() {
  std::vector<uint64_t> result;
  for (auto* obj : objects()) {
    std::vector<char> buf;
    caf::binary_serializer sink{nullptr, buf};
    result.push_back(obj->save(sink) ? 0 : fnv1a(buf));
  }
  return result;
}

void sim_batteries::random_call(std::mt19937_64& rng) {
  // Every random draw happens here, in this order, before any call: the
  // order in which function arguments are evaluated is unspecified.
  auto which = pick(rng, 0, 4);
  auto op = pick(rng, 0, 8);
  auto rare = pick(rng, 0, 4) == 0;
  auto k = key(rng, 'k');
  auto k2 = key(rng, 'k');
  auto v = "v" + std::to_string(pick(rng, 0, 999));
  auto v2 = "v" + std::to_string(pick(rng, 0, 999));
  auto e = key(rng, 'e');
  auto e2 = key(rng, 'e');
  auto n = int64_t{pick(rng, -5, 5)};
  auto x = int64_t{pick(rng, 0, 9)};
  auto y = int64_t{pick(rng, 0, 9)};
  auto pos = int64_t{pick(rng, -4, 4)};
  switch (which) {
    case 0:
      switch (op % 4) {
        case 0:
          counter.add(n).post();
          break;
        case 1:
          counter.sub(n).post();
          break;
        case 2:
          counter.inc().post();
          break;
        default:
          counter.set(n * 20).post();
      }
      break;
    case 1:
      switch (op) {
        case 0:
          dict.setdefault(k, v).post();
          break;
        case 1:
          dict.pop(k).post();
          break;
        case 2:
          dict.pop(k, "none").post();
          break;
        case 3:
          dict.update({{k, v}, {k2, v2}}).post();
          break;
        case 4:
          if (rare)
            dict.clear().post();
          else
            dict.set_item(k, v).post();
          break;
        default:
          dict.set(k, v).post();
      }
      break;
    case 2:
      switch (op) {
        case 0:
          list.insert(pos, x).post();
          break;
        case 1:
          list.pop().post();
          break;
        case 2:
          list.pop(pos).post();
          break;
        case 3:
          list.remove(x).post();
          break;
        case 4:
          list.set(pos, x).post();
          break;
        case 5:
          list.extend({x, y}).post();
          break;
        case 6:
          list.sort(rare).post();
          break;
        default:
          list.append(x).post();
      }
      break;
    case 3:
      switch (op % 6) {
        case 0:
          set.remove(e).post();
          break;
        case 1:
          set.discard(e).post();
          break;
        case 2:
          set.pop().post();
          break;
        case 3:
          set.update({e, e2}).post();
          break;
        case 4:
          if (rare)
            set.clear().post();
          else
            set.add(e).post();
          break;
        default:
          set.add(e).post();
      }
      break;
    default:
      switch (op % 3) {
        case 0:
          queue.get().post();
          break;
        case 1:
          queue.get(-1).post();
          break;
        default:
          queue.put(x).post();
      }
  }
}

// -- battery_model --------------------------------------------------------------

bool battery_model::apply(uint32_t object, const caf::message& args) {
  using detail::unpack;
  if (args.empty() || !args.match_element<caf::atom_value>(0))
    return false;
  auto op = args.get_as<caf::atom_value>(0);
  if (object == 1) {
    if (args.match_elements<caf::atom_value>() && op == caf::atom("inc")) {
      ++counter_;
      return true;
    }
    if (!args.match_elements<caf::atom_value, int64_t>())
      return false;
    auto x = args.get_as<int64_t>(1);
    if (op == caf::atom("set"))
      counter_ = x;
    else if (op == caf::atom("add"))
      counter_ += x;
    else if (op == caf::atom("sub"))
      counter_ -= x;
    else
      return false;
    return true;
  }
  if (!args.match_elements<caf::atom_value, std::vector<char>>())
    return false;
  auto& buf = args.get_as<std::vector<char>>(1);
  std::string k, v;
  int64_t pos = 0, x = 0;
  uint64_t bound = 0;
  bool flag = false;
  std::map<std::string, std::string> kvs;
  std::vector<int64_t> xs;
  std::set<std::string> es;
  switch (object) {
    case 2: // dict
      if ((op == caf::atom("set") || op == caf::atom("setitem"))
          && unpack(buf, k, v))
        dict_[k] = v;
      else if (op == caf::atom("setdefault") && unpack(buf, k, v))
        dict_.try_emplace(k, v);
      else if (op == caf::atom("pop") && unpack(buf, k))
        dict_.erase(k);
      else if (op == caf::atom("popor") && unpack(buf, k, v))
        dict_.erase(k);
      else if (op == caf::atom("update") && unpack(buf, kvs))
        for (auto& [key, val] : kvs)
          dict_[key] = val;
      else if (op == caf::atom("reset") && unpack(buf, kvs))
        dict_ = kvs;
      else if (op == caf::atom("clear") && unpack(buf))
        dict_.clear();
      else
        return false;
      return true;
    case 3: // list
      if ((op == caf::atom("set") || op == caf::atom("setitem"))
          && unpack(buf, pos, x)) {
        if (auto i = python_position(pos, list_.size()))
          list_[*i] = x;
      } else if (op == caf::atom("append") && unpack(buf, x)) {
        list_.push_back(x);
      } else if (op == caf::atom("extend") && unpack(buf, xs)) {
        list_.insert(list_.end(), xs.begin(), xs.end());
      } else if (op == caf::atom("insert") && unpack(buf, pos, x)) {
        auto i = python_insert_position(pos, list_.size());
        list_.insert(list_.begin() + static_cast<ptrdiff_t>(i), x);
      } else if (op == caf::atom("remove") && unpack(buf, x)) {
        if (auto i = std::find(list_.begin(), list_.end(), x); i != list_.end())
          list_.erase(i);
      } else if (op == caf::atom("pop") || op == caf::atom("popat")) {
        pos = -1;
        if (op == caf::atom("pop") ? !unpack(buf) : !unpack(buf, pos))
          return false;
        if (auto i = python_position(pos, list_.size()))
          list_.erase(list_.begin() + static_cast<ptrdiff_t>(*i));
      } else if (op == caf::atom("sort") && unpack(buf, flag)) {
        if (flag)
          std::stable_sort(list_.begin(), list_.end(), std::greater<>{});
        else
          std::stable_sort(list_.begin(), list_.end());
      } else if (op == caf::atom("reset") && unpack(buf, xs)) {
        list_ = xs;
      } else {
        return false;
      }
      return true;
    case 4: // set
      if (op == caf::atom("add") && unpack(buf, k))
        set_.insert(k);
      else if ((op == caf::atom("remove") || op == caf::atom("discard"))
               && unpack(buf, k))
        set_.erase(k);
      else if (op == caf::atom("pop") && unpack(buf)) {
        if (!set_.empty())
          set_.erase(set_.begin());
      } else if (op == caf::atom("clear") && unpack(buf))
        set_.clear();
      else if (op == caf::atom("update") && unpack(buf, es))
        set_.insert(es.begin(), es.end());
      else if (op == caf::atom("reset") && unpack(buf, es))
        set_ = es;
      else
        return false;
      return true;
    case 5: // queue
      if (op == caf::atom("put") && unpack(buf, x, bound)) {
        if (bound == 0 || queue_.size() < bound)
          queue_.push_back(x);
      } else if ((op == caf::atom("get") && unpack(buf))
                 || (op == caf::atom("getor") && unpack(buf, x))) {
        if (!queue_.empty())
          queue_.pop_front();
      } else {
        return false;
      }
      return true;
    default:
      return false;
  }
}

std::vector<uint64_t> battery_model::digest() {
  std::vector<uint64_t> result;
  auto add = [&](auto& x) {
    std::vector<char> buf;
    caf::binary_serializer sink{nullptr, buf};
    result.push_back(sink(x) ? 0 : fnv1a(buf));
  };
  add(counter_);
  add(dict_);
  add(list_);
  add(set_);
  add(queue_);
  return result;
}

// -- battery_checker ------------------------------------------------------------

battery_checker::battery_checker(caf::actor_system& sys, checker& report)
  : sys_(sys), report_(report) {
  digests_.push_back(model_.digest());
}

void battery_checker::attach(const node_id& id, sim_batteries* batteries) {
  nodes_[id] = batteries;
  diverged_.erase(id);
}

void battery_checker::detach(const node_id& id) {
  nodes_.erase(id);
}

void battery_checker::on_apply(const node_id& self, const log_entry& e) {
  auto next = digests_.size(); // the index the model applies next
  if (e.index.value > next) {
    report_.violation("batteries: " + self.name + " applies "
                      + to_string(e.index) + " before any node applied "
                      + std::to_string(next));
    return;
  }
  // Called before the node applies `e`: it holds the state after e - 1.
  compare(self, index_t{e.index.value - 1});
  if (e.index.value < next)
    return;
  if (e.kind == entry_kind::command) {
    uint32_t object = 0;
    caf::message args;
    caf::binary_deserializer source{sys_, e.data.data(), e.data.size()};
    if (!source(object, args) && object >= 1 && object <= 5) {
      if (model_.apply(object, args))
        ++commands_;
      else
        report_.violation("batteries: the model does not know command "
                          + caf::to_string(args) + " at "
                          + to_string(e.index));
    }
  }
  digests_.push_back(model_.digest());
}

void battery_checker::on_restore(const node_id& self, index_t index) {
  if (index.value >= digests_.size()) {
    report_.violation("batteries: " + self.name + " restored snapshot "
                      + to_string(index) + " beyond every applied entry");
    return;
  }
  compare(self, index);
}

void battery_checker::end_check(const std::map<node_id, index_t>& applied) {
  for (auto& [id, index] : applied)
    if (nodes_.count(id) > 0 && index.value < digests_.size())
      compare(id, index);
}

void battery_checker::compare(const node_id& self, index_t index) {
  static constexpr const char* names[] = {"counter", "dict", "list", "set",
                                          "queue"};
  auto i = nodes_.find(self);
  if (i == nodes_.end() || diverged_.count(self) > 0)
    return;
  auto got = i->second->digest();
  auto& want = digests_.at(index.value);
  for (size_t k = 0; k < got.size(); ++k)
    if (got[k] != want[k]) {
      diverged_.insert(self);
      report_.violation("batteries: the " + std::string{names[k]} + " of "
                        + self.name + " after " + to_string(index)
                        + " differs from the sequential model");
      return;
    }
}

} // namespace flexsync::sim
