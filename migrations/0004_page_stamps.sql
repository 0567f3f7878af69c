-- cachedb schema, version 4: a file's stamp is checked in the index alone.
--
-- An ingest asks, for every file it walks, whether a page was stored from that
-- path with that size and modification time; when so, the file is not even
-- opened. page_by_path held only the path, so each answer also read the page's
-- row; it now carries what the question and its answer need.
DROP INDEX page_by_path;
CREATE INDEX page_by_path ON page(path, file_size, file_mtime_ns, release_id, package_id);
