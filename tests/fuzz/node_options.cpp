// Fuzz target "node_options": flexsync-node's command line and config file
// (scenarios/examples/node_program_config.hpp), handled the way main() and
// run() of flexsync_node.cpp do before they start anything: parse() (CAF's
// option parser on program_config), then the --metrics-interval check,
// make_node_config, make_transport_config and parse_level. Needs CAF:
// built by the replay build only (see targets.cmake).
//
// Input: the arguments (after argv[0]) separated by '\n' or NUL; after a
// first "\0\0", the text of a config file, passed as --config-file. Only
// that file is read: arguments naming other config files are dropped, and a
// --password-file the options name is swapped for a file of the target's
// ("missing": none; "blank": an empty first line; else "secret"), so that
// no input reads the machine's files or blocks on a device.
//
// Properties: nothing but config_error escapes the checks, and its message
// is one non-empty line (they are documented to say in one line what is
// wrong; a line break quoted from an option's own text aside); parse() returns 0, 2 or -1, and a refusal (2) prints exactly one
// non-empty line; an accepted configuration is valid (validating it again
// changes nothing).

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string_view>
#include <unistd.h>

#include "scenarios/examples/node_program_config.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace flexsync;
using namespace flexsync::examples;
namespace fs = std::filesystem;

namespace {

/// The target's own files, one folder per process.
struct files {
  fs::path dir = fs::temp_directory_path()
                 / ("flexsync-fuzz-node-options-" + std::to_string(getpid()));
  fs::path ini = dir / "node.ini";
  fs::path blank = dir / "blank";
  fs::path secret = dir / "secret";

  files() {
    fs::create_directories(dir);
    std::ofstream{blank} << "\nsecret\n";
    std::ofstream{secret} << "secret\n";
  }
};

const files& own_files() {
  static auto* f = new files;
  return *f;
}

std::string password_file_for(const std::string& named) {
  if (named == "missing")
    return (own_files().dir / "missing").string();
  if (named == "blank")
    return own_files().blank.string();
  return own_files().secret.string();
}

bool one_line(const std::string& x) {
  return !x.empty() && x.find('\n') == std::string::npos;
}

/// Whether an option's text holds a line break (which a message quoting
/// it may repeat: the one-line rule is about flexsync's own words).
bool options_hold_line_breaks(const program_config& cfg) {
  std::vector<std::string> texts{
    cfg.self,         cfg.bind,          cfg.quorum,         cfg.terms,
    cfg.zones,        cfg.weights,       cfg.password_file,  cfg.cluster_salt,
    cfg.storage,      cfg.data_dir,      cfg.fsync,          cfg.log_level,
    cfg.metrics_file, cfg.admin,         cfg.max_code_version,
    cfg.priorities,   cfg.preferred_zone};
  texts.insert(texts.end(), cfg.partners.begin(), cfg.partners.end());
  return std::any_of(texts.begin(), texts.end(), [](const std::string& x) {
    return x.find('\n') != std::string::npos;
  });
}

/// Swaps a standard stream's buffer for a string's while alive.
class capture {
public:
  explicit capture(std::ostream& os) : os_(os), old_(os.rdbuf(out_.rdbuf())) {}
  ~capture() { os_.rdbuf(old_); }
  std::string text() const { return out_.str(); }

private:
  std::ostream& os_;
  std::ostringstream out_;
  std::streambuf* old_;
};

/// What run() checks before it starts the actor system.
void configure(program_config& cfg) {
  if (!cfg.metrics_file.empty() && !(cfg.metrics_interval > 0))
    throw config_error("--metrics-interval must be a positive number of "
                       "seconds");
  auto nc = make_node_config(cfg);
  auto tc = make_transport_config(cfg, nc, {});
  parse_level(cfg.log_level);
  auto again = nc;
  again.normalize_and_validate();
  FUZZ_CHECK(again.self == nc.self && again.partners == nc.partners
               && again.learners == nc.learners,
             "an accepted configuration changes when validated again");
  FUZZ_CHECK(tc.self == nc.self, "the transport is not the node's");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  std::optional<std::string> ini;
  if (auto at = text.find(std::string_view{"\0\0", 2});
      at != std::string_view::npos) {
    ini = std::string{text.substr(at + 2)};
    text = text.substr(0, at);
  }
  std::vector<std::string> args{"flexsync-node"};
  for (size_t start = 0; start <= text.size();) {
    auto end = text.find_first_of(std::string_view{"\n\0", 2}, start);
    if (end == std::string_view::npos)
      end = text.size();
    std::string arg{text.substr(start, end - start)};
    if (arg.find("config-file") == std::string::npos
        && (end < text.size() || !arg.empty()))
      args.push_back(std::move(arg));
    start = end + 1;
  }
  if (ini) {
    std::ofstream{own_files().ini, std::ios::binary | std::ios::trunc} << *ini;
    args.push_back("--config-file=" + own_files().ini.string());
  }
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);

  program_config cfg;
  int rc = 0;
  std::string errors;
  {
    capture out{std::cout};
    capture err{std::cerr};
    rc = parse(cfg, static_cast<int>(args.size()), argv.data());
    errors = err.text();
  }
  FUZZ_CHECK(rc == -1 || rc == 0 || rc == 2,
             "parse returned " + std::to_string(rc));
  if (rc == 2) {
    FUZZ_CHECK(errors.size() > 1 && errors.back() == '\n'
                 && one_line(errors.substr(0, errors.size() - 1)),
               "a refusal is not one line: '" + errors + "'");
    return 0;
  }
  if (rc == 0)
    return 0;
  if (!cfg.password_file.empty())
    cfg.password_file = password_file_for(cfg.password_file);
  try {
    configure(cfg);
  } catch (const config_error& e) {
    FUZZ_CHECK(one_line(e.what()) || options_hold_line_breaks(cfg),
               std::string{"a refusal is not one line: '"} + e.what() + "'");
  } catch (const std::exception& e) {
    FUZZ_CHECK(false, std::string{"not a config_error: "} + e.what());
  }
  return 0;
}
