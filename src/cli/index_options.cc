#include "cli/index_options.h"

#include <string>

#include "cli/commands.h"
#include "formats/spack_index/site_listing.h"
#include "ingest/file_walker.h"

namespace cachedb::cli {

void add_index_options(CLI::App* cmd, IndexOptions& o) {
  cmd->add_option("--index", o.index, "A Spack build-cache index (plain, gzip or zstd; - for stdin), "
                                      "labelled with --release and --stack");
  cmd->add_option("--mirror", o.mirror, "A mirror directory (layout v2 or v3) whose index to read, labelled with "
                                        "--release and --stack");
  cmd->add_option("--listing", o.listing, "The site's cache_spack_io_index.json: every (release, stack) it names, "
                                          "found under --mirror-root");
  cmd->add_option("--mirror-root", o.mirror_root, "A local copy of the bucket the listing's s3://spack-binaries/ "
                                                  "URLs name");
  cmd->add_option("--release", o.release, "The release an --index or --mirror belongs to");
  cmd->add_option("--stack", o.stack, "Its stack ('root' for the release's top-level mirror)");
}

namespace {

// Paths are logged and stored absolute, as a page's are, so that a run's log
// and `source.path` name files unambiguously whatever directory cron started
// it in ("-", stdin, stays as it is).
std::string absolute(const std::string& path) {
  if (path.empty() || path == "-") return path;
  return absolute_from(working_directory(), path);
}

}  // namespace

std::vector<IndexInput> index_inputs(const IndexOptions& given, const std::vector<std::string>& paths) {
  IndexOptions o = given;
  for (std::string* path : {&o.index, &o.mirror, &o.listing, &o.mirror_root}) *path = absolute(*path);
  const int kinds = !o.index.empty() + !o.mirror.empty() + !o.listing.empty();
  if (kinds == 0) {
    if (!o.release.empty() || !o.stack.empty() || !o.mirror_root.empty())
      throw UsageError("--release, --stack and --mirror-root go with --index, --mirror or --listing");
    return {};
  }
  if (!paths.empty()) throw UsageError("pages and indexes are ingested by separate runs: give paths or --index, "
                                       "--mirror, --listing, not both");
  if (kinds > 1) throw UsageError("give one of --index, --mirror and --listing");
  if (!o.listing.empty()) {
    if (o.mirror_root.empty()) throw UsageError("--listing needs --mirror-root, the local copy of the bucket");
    if (!o.release.empty() || !o.stack.empty())
      throw UsageError("--listing labels each index itself: drop --release and --stack");
    return listing_inputs(o.listing, o.mirror_root);
  }
  if (o.release.empty() || o.stack.empty())
    throw UsageError(fmt::format("{} needs --release and --stack", o.index.empty() ? "--mirror" : "--index"));
  if (!o.mirror_root.empty()) throw UsageError("--mirror-root goes with --listing");
  // Held to what a listing's labels are held to.
  for (const auto& [flag, name] : {std::pair{"--release", &o.release}, std::pair{"--stack", &o.stack}})
    if (auto problem = spack_index::label_problem(*name)) throw UsageError(fmt::format("{}: the name {}", flag, *problem));
  if (!o.index.empty()) return {IndexInput{o.index, o.release, o.stack, {}, {}, {}}};
  return {mirror_input(o.mirror, o.release, o.stack)};
}

}  // namespace cachedb::cli
