"""The WARC archive: record building, rotating writer, recovery, indexes."""
