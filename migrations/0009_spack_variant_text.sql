-- cachedb schema, version 9: variants as Spack prints and reads them.
--
-- No table changes shape. The variants of specs an index lists are written as
-- Spack prints them (the values joined, quoted as one when anything but
-- letters, digits and ",/_.-" is in them; a patch by 7 characters), and every
-- variant's values are read again as Spack reads them (every comma separates
-- two, inside quotes too). Parsing that text is C++'s work:
-- src/storage/variant_migration.cc, run in this migration's transaction.
SELECT 1;
