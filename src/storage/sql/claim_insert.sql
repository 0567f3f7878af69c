-- What one source says of a contested spec.
INSERT OR REPLACE INTO spec_claim(spec_id, source_id, package_id, version, compiler_id, os_id, platform_id,
                                  target_id, variant_set_id, stack_set_id, size, tarball)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
