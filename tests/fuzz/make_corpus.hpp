#pragma once

// The seed corpus generator's parts (make_corpus.cpp): each writes the
// seeds of some targets through put().

#include <string>

namespace flexsync::fuzz {

/// Writes one seed, OUT_DIR/<target>/<name>.
void put(const std::string& target, const std::string& name,
         const std::string& bytes);

/// The peer_codec target's seeds (make_corpus_peer_codec.cpp; needs CAF).
void peer_messages();

/// The admin_requests target's seeds (make_corpus_admin.cpp; needs CAF).
void admin_requests();

} // namespace flexsync::fuzz
