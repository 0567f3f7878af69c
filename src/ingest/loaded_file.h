#pragma once
// What one file of a walk turned out to be: passed over, rejected, known (the
// same bytes as a stored file), or parsed by its format. The ingest and
// `check` each visit it (std::visit), one case per alternative.
#include <cstddef>
#include <string>
#include <variant>
#include <vector>

#include "error.h"
#include "formats/finding.h"
#include "formats/format.h"
#include "ingest/known_page.h"

namespace cachedb {

// Not read: not a regular file, a dangling link, or one that could not be
// opened (`unreadable`, which stops --prune).
struct PassedOver {
  std::string path;  // absolute
  std::string why;
  bool unreadable = false;
};

// Read, or not, and refused: empty, too large, changed while read, or not
// what its format allows.
struct Rejected {
  std::string path;
  FileStamp stamp;  // when it was stat()ed
  ParseError error;
};

// Identical to a file an earlier run stored, recognized by its stamp (unread)
// or by its bytes (unparsed).
struct Known {
  std::string path;
  FileStamp stamp;
  KnownPage page;
  bool by_stamp = false;
};

// Parsed by its format.
struct Parsed {
  std::string path;
  FileStamp stamp;
  std::string fingerprint;
  Document document;
  std::vector<Finding> findings;  // found while parsing, to spare the writer
};

using LoadedFile = std::variant<PassedOver, Rejected, Known, Parsed>;

inline const std::string& path_of(const LoadedFile& file) {
  return std::visit([](const auto& f) -> const std::string& { return f.path; }, file);
}

// What a parsed file holds (0 for the rest): what bounds the loading jobs and
// the files in flight to the writer.
inline std::size_t memory_size(const LoadedFile& file) {
  const auto* parsed = std::get_if<Parsed>(&file);
  return parsed ? memory_size(parsed->document) : 0;
}

}  // namespace cachedb
