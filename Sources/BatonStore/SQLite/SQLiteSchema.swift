import GRDB

/// The SQLite schema as named, append-only migrations. Never edit a migration that has shipped:
/// add a new one.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1-messages") { db in
            // One row per accepted message. `jws` holds the exact bytes the sender signed; every
            // other column is derived from them or from the hub's own clock and keys.
            try db.execute(sql: """
                CREATE TABLE message (
                    sequence      INTEGER PRIMARY KEY,
                    sender_agency TEXT    NOT NULL,
                    message_id    TEXT    NOT NULL,
                    kind          TEXT    NOT NULL,
                    sender_kid    TEXT    NOT NULL,
                    sent_at       TEXT    NOT NULL,
                    received_at   TEXT    NOT NULL,
                    jws_sha256    TEXT    NOT NULL,
                    jws           BLOB    NOT NULL,
                    receipt       TEXT    NOT NULL,
                    UNIQUE (sender_agency, message_id)
                )
                """)
        }
        return migrator
    }
}
