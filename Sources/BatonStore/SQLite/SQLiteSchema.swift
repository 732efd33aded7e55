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
        migrator.registerMigration("2-items") { db in
            // What intake decided, kept with the message so an identical resubmission gets the
            // identical answer: the receipt response's items and subjects (JSON).
            try db.execute(sql: "ALTER TABLE message ADD COLUMN intake_summary TEXT")

            // People: one person, one record, across agencies. Mentions link each person named in a
            // message to a person; identifiers (normalised NHS numbers, UPNs, local ids) find them.
            try db.execute(sql: """
                CREATE TABLE person (
                    id          TEXT    PRIMARY KEY,
                    kind        TEXT    NOT NULL,
                    created_at  INTEGER NOT NULL,
                    merged_into TEXT
                )
                """)
            try db.execute(sql: """
                CREATE TABLE person_identifier (
                    kind      TEXT NOT NULL,
                    value     TEXT NOT NULL,
                    person_id TEXT NOT NULL,
                    PRIMARY KEY (kind, value)
                )
                """)
            try db.execute(sql: """
                CREATE TABLE mention (
                    message_sequence INTEGER NOT NULL,
                    ref              TEXT    NOT NULL,
                    person_id        TEXT    NOT NULL,
                    role             TEXT    NOT NULL,
                    match            TEXT    NOT NULL,
                    PRIMARY KEY (message_sequence, ref)
                )
                """)
            try db.execute(sql: "CREATE INDEX mention_person ON mention (person_id)")
            // What the hub knows of a person now (school, home authority, GP, plan), derived from
            // messages; the messages remain the source of truth.
            try db.execute(sql: """
                CREATE TABLE person_fact (
                    person_id        TEXT    NOT NULL,
                    name             TEXT    NOT NULL,
                    value            TEXT    NOT NULL,
                    recorded_at      INTEGER NOT NULL,
                    message_sequence INTEGER NOT NULL,
                    PRIMARY KEY (person_id, name)
                )
                """)

            // Items: `body` is the whole item (JSON); the columns beside it are what the inbox and
            // the deadline sweeper query. Instants are milliseconds since 1970; due_at is the
            // earliest running deadline (9223372036854775807 when none), next_check_at when the
            // sweeper must look again (NULL once closed).
            try db.execute(sql: """
                CREATE TABLE item (
                    id               TEXT    PRIMARY KEY,
                    message_sequence INTEGER NOT NULL,
                    recipient        TEXT    NOT NULL,
                    purpose          TEXT    NOT NULL,
                    kind             TEXT    NOT NULL,
                    status           TEXT    NOT NULL,
                    is_open          INTEGER NOT NULL,
                    risk_rank        INTEGER NOT NULL,
                    due_at           INTEGER NOT NULL,
                    next_check_at    INTEGER,
                    escalation_level INTEGER NOT NULL,
                    related_item     TEXT,
                    created_at       INTEGER NOT NULL,
                    updated_at       INTEGER NOT NULL,
                    version          INTEGER NOT NULL,
                    body             TEXT    NOT NULL
                )
                """)
            try db.execute(sql: "CREATE INDEX item_inbox ON item (recipient, is_open, risk_rank DESC, due_at, created_at, id)")
            try db.execute(sql: "CREATE INDEX item_sweep ON item (next_check_at) WHERE next_check_at IS NOT NULL")
            try db.execute(sql: "CREATE INDEX item_message ON item (message_sequence)")
            try db.execute(sql: "CREATE INDEX item_related ON item (related_item) WHERE related_item IS NOT NULL")
            try db.execute(sql: """
                CREATE TABLE item_subject (
                    item_id   TEXT NOT NULL,
                    person_id TEXT NOT NULL,
                    PRIMARY KEY (item_id, person_id)
                )
                """)
            try db.execute(sql: "CREATE INDEX item_subject_person ON item_subject (person_id)")
            // Every event ever applied to an item, in order. Appended, never changed.
            try db.execute(sql: """
                CREATE TABLE item_event (
                    item_id TEXT    NOT NULL,
                    version INTEGER NOT NULL,
                    at      INTEGER NOT NULL,
                    entry   TEXT    NOT NULL,
                    PRIMARY KEY (item_id, version)
                )
                """)
            // The push outbox.
            try db.execute(sql: """
                CREATE TABLE delivery (
                    id              TEXT    PRIMARY KEY,
                    agency          TEXT    NOT NULL,
                    item_id         TEXT    NOT NULL,
                    state           TEXT    NOT NULL,
                    next_attempt_at INTEGER,
                    created_at      INTEGER NOT NULL,
                    body            TEXT    NOT NULL
                )
                """)
            try db.execute(sql: "CREATE INDEX delivery_due ON delivery (next_attempt_at) WHERE state = 'pending'")
            try db.execute(sql: "CREATE INDEX delivery_item ON delivery (item_id)")
        }
        migrator.registerMigration("3-identity") { db in
            // How each mention was linked, and the normalised identity the matcher compares (JSON),
            // from which the in-memory index is rebuilt at start-up. Identifiers live there now.
            try db.execute(sql: "ALTER TABLE mention ADD COLUMN basis TEXT")
            try db.execute(sql: "ALTER TABLE mention ADD COLUMN probability REAL")
            try db.execute(sql: "ALTER TABLE mention ADD COLUMN record TEXT")
            try db.execute(sql: "DROP TABLE person_identifier")
            try db.execute(sql: "CREATE INDEX person_merged ON person (merged_into) WHERE merged_into IS NOT NULL")
            // Uncertain matches for a person to decide; merges with what moved, so they can be undone.
            try db.execute(sql: """
                CREATE TABLE identity_review (
                    id           TEXT    PRIMARY KEY,
                    status       TEXT    NOT NULL,
                    created_at   INTEGER NOT NULL,
                    person_id    TEXT    NOT NULL,
                    candidate_id TEXT    NOT NULL,
                    body         TEXT    NOT NULL
                )
                """)
            try db.execute(sql: "CREATE INDEX identity_review_queue ON identity_review (status, created_at, id)")
            try db.execute(sql: "CREATE INDEX identity_review_person ON identity_review (person_id)")
            try db.execute(sql: "CREATE INDEX identity_review_candidate ON identity_review (candidate_id)")
            try db.execute(sql: """
                CREATE TABLE person_merge (
                    id          TEXT    PRIMARY KEY,
                    survivor_id TEXT    NOT NULL,
                    merged_id   TEXT    NOT NULL,
                    at          INTEGER NOT NULL,
                    body        TEXT    NOT NULL
                )
                """)
            try db.execute(sql: "CREATE INDEX person_merge_survivor ON person_merge (survivor_id)")
            try db.execute(sql: "CREATE INDEX person_merge_merged ON person_merge (merged_id)")
            // Relationships and households are kept between mentions, not people, so they follow
            // merges and unmerges without being rewritten.
            try db.execute(sql: """
                CREATE TABLE relationship (
                    message_sequence INTEGER NOT NULL,
                    from_ref         TEXT    NOT NULL,
                    to_ref           TEXT    NOT NULL,
                    role             TEXT    NOT NULL,
                    PRIMARY KEY (message_sequence, from_ref, to_ref, role)
                )
                """)
            try db.execute(sql: "CREATE INDEX relationship_to ON relationship (message_sequence, to_ref)")
            try db.execute(sql: """
                CREATE TABLE household_mention (
                    household        TEXT    NOT NULL,
                    message_sequence INTEGER NOT NULL,
                    ref              TEXT    NOT NULL,
                    at               INTEGER NOT NULL,
                    PRIMARY KEY (household, message_sequence, ref)
                )
                """)
            try db.execute(sql: "CREATE INDEX household_mention_mention ON household_mention (message_sequence, ref)")
            // What each case message was about, by event name, for chronologies and counters.
            try db.execute(sql: """
                CREATE TABLE message_event (
                    message_sequence INTEGER NOT NULL,
                    event            TEXT    NOT NULL,
                    at               INTEGER NOT NULL,
                    PRIMARY KEY (message_sequence, event)
                )
                """)
        }
        migrator.registerMigration("4-disclosure") { db in
            // What each item's recipient may see of its message, as decided when the item was made,
            // with the policy version that decided it; and every policy version the hub has run.
            try db.execute(sql: """
                CREATE TABLE disclosure_decision (
                    item_id        TEXT    PRIMARY KEY,
                    policy_version TEXT    NOT NULL,
                    decided_at     INTEGER NOT NULL,
                    body           TEXT    NOT NULL
                )
                """)
            try db.execute(sql: """
                CREATE TABLE policy_version (
                    version   TEXT    PRIMARY KEY,
                    loaded_at INTEGER NOT NULL,
                    files     TEXT    NOT NULL
                )
                """)
        }
        migrator.registerMigration("5-audit") { db in
            // The tamper-evident audit log (AuditLog.swift): entries, the Merkle tree's nodes, a
            // hub-signed tree head per commit, and which entries record reads of whose data.
            try db.execute(sql: """
                CREATE TABLE audit_entry (
                    idx  INTEGER PRIMARY KEY,
                    at   INTEGER NOT NULL,
                    body BLOB    NOT NULL
                )
                """)
            try db.execute(sql: """
                CREATE TABLE audit_node (
                    level INTEGER NOT NULL,
                    idx   INTEGER NOT NULL,
                    hash  BLOB    NOT NULL,
                    PRIMARY KEY (level, idx)
                ) WITHOUT ROWID
                """)
            try db.execute(sql: """
                CREATE TABLE audit_head (
                    tree_size  INTEGER PRIMARY KEY,
                    root       BLOB    NOT NULL,
                    at         INTEGER NOT NULL,
                    jws        TEXT    NOT NULL,
                    checkpoint INTEGER NOT NULL DEFAULT 0
                )
                """)
            try db.execute(sql: "CREATE INDEX audit_head_checkpoint ON audit_head (checkpoint, tree_size)")
            try db.execute(sql: """
                CREATE TABLE audit_person (
                    person_id TEXT    NOT NULL,
                    idx       INTEGER NOT NULL,
                    PRIMARY KEY (person_id, idx)
                ) WITHOUT ROWID
                """)
        }
        migrator.registerMigration("6-web") { db in
            // Web UI accounts and sessions (WebAccounts.swift). Sessions are kept by the SHA-256 of
            // their cookie token.
            try db.execute(sql: """
                CREATE TABLE web_user (
                    username   TEXT PRIMARY KEY,
                    agency     TEXT NOT NULL,
                    role       TEXT NOT NULL,
                    disabled   INTEGER NOT NULL,
                    body       TEXT NOT NULL
                )
                """)
            try db.execute(sql: """
                CREATE TABLE web_session (
                    id           TEXT    PRIMARY KEY,
                    username     TEXT    NOT NULL,
                    last_seen_at INTEGER NOT NULL,
                    body         TEXT    NOT NULL
                )
                """)
            try db.execute(sql: "CREATE INDEX web_session_user ON web_session (username)")
            // An item's milestones as columns, so loop health's counters (SQLiteLoopCounters.swift)
            // see what an update changed without decoding the stored body.
            for column in ["sender TEXT", "acknowledged_at INTEGER", "decided_at INTEGER", "outcome_at INTEGER"] {
                try db.execute(sql: "ALTER TABLE item ADD COLUMN \(column)")
            }
            // JSON dates are seconds since 2001-01-01 (Foundation's reference date).
            let ms = { (path: String) in "CAST(ROUND((json_extract(body, '\(path)') + 978307200) * 1000) AS INTEGER)" }
            try db.execute(sql: """
                UPDATE item SET sender = json_extract(body, '$.messageSender'),
                    acknowledged_at = \(ms("$.state.acknowledgedAt")),
                    decided_at = COALESCE(\(ms("$.state.decision.at")), \(ms("$.state.outcome.at"))),
                    outcome_at = \(ms("$.state.outcome.at"))
                """)
            // An agency's sent messages, newest first (the web UI's "Sent" page).
            try db.execute(sql: "CREATE INDEX message_sender ON message (sender_agency, sequence)")
        }
        migrator.registerMigration("7-loop-health") { db in
            // Loop health (SQLiteLoopHealth.swift): the completed outcome feedback about an item
            // (told to its referrer); what each mention's normalised record lacks (1 when missing)
            // and a person's subject mentions in order (re-referrals); each need-to-know decision's
            // lawful basis and how many sections it showed and withheld.
            try db.execute(sql: "CREATE INDEX item_feedback ON item (related_item) WHERE purpose = 'outcome-feedback' AND status = 'completed'")
            for column in ["no_sex INTEGER NOT NULL DEFAULT 1", "no_dob INTEGER NOT NULL DEFAULT 1", "no_nhs INTEGER NOT NULL DEFAULT 1"] {
                try db.execute(sql: "ALTER TABLE mention ADD COLUMN \(column)")
            }
            try db.execute(sql: "UPDATE mention SET \(SQLiteSchema.mentionColumns(record: "record"))")
            try db.execute(sql: "CREATE INDEX mention_subject_person ON mention (person_id, role, message_sequence)")
            for column in ["lawful_basis TEXT", "sections_shown INTEGER NOT NULL DEFAULT 0", "sections_withheld INTEGER NOT NULL DEFAULT 0"] {
                try db.execute(sql: "ALTER TABLE disclosure_decision ADD COLUMN \(column)")
            }
            try db.execute(sql: "UPDATE disclosure_decision SET \(SQLiteSchema.disclosureColumns(body: "body"))")
        }
        migrator.registerMigration("8-loop-counters") { db in
            // Loop health from counters kept by the writes (SQLiteLoopCounters.swift), so the page
            // reads rows per day of the period rather than every item, message and decision in it.
            let counts = SQLiteTransaction.loopCountColumns.map { "\($0) INTEGER NOT NULL DEFAULT 0" }.joined(separator: ", ")
            try db.execute(sql: "CREATE TABLE loop_daily (day INTEGER NOT NULL, sender TEXT NOT NULL, recipient TEXT NOT NULL, \(counts), PRIMARY KEY (day, sender, recipient))")
            try db.execute(sql: """
                CREATE TABLE referral (
                    message_sequence INTEGER PRIMARY KEY,
                    day              INTEGER NOT NULL,
                    received_at      INTEGER NOT NULL,
                    again            INTEGER NOT NULL
                )
                """)
            try db.execute(sql: "CREATE INDEX referral_day ON referral (day, again)")
            try db.execute(sql: """
                CREATE TABLE sharing_daily (
                    day       INTEGER NOT NULL,
                    basis     TEXT    NOT NULL,
                    decisions INTEGER NOT NULL,
                    shown     INTEGER NOT NULL,
                    withheld  INTEGER NOT NULL,
                    PRIMARY KEY (day, basis)
                )
                """)
            try db.execute(sql: "ALTER TABLE mention ADD COLUMN day INTEGER")
            // Day first: an index led by `role` (or `is_open`, below) looks like an equality lookup to
            // the planner, which then prefers it to the person's own index and scans every subject
            // mention (or open item) where it should have read a handful.
            try db.execute(sql: "CREATE INDEX mention_subject_day ON mention (day, role, no_sex, no_dob, no_nhs, person_id)")
            // Indexes for scanning a period's rows, which a development build of "6-web" and
            // "7-loop-health" made before the counters replaced them; "overdue now" reads only open items.
            for index in ["item_loop", "item_outcome", "message_received", "message_kind_received", "mention_subject", "disclosure_period", "item_overdue"] {
                try db.execute(sql: "DROP INDEX IF EXISTS \(index)")
            }
            try db.execute(sql: "CREATE INDEX item_open_due ON item (recipient, sender, due_at, is_open) WHERE is_open = 1")

            // What an existing database already holds. (JSON dates: julianday is SQLite's.)
            let day = "created_at / \(SQLiteTransaction.dayMilliseconds)"
            let hub = LoopHealthFigures.hubPurposes.map { "'\($0)'" }.joined(separator: ", ")
            func bands(_ column: String) -> [String] {
                let limits = SQLiteTransaction.bandLimits
                return (0..<SQLiteTransaction.bands).map { index in
                    let duration = "\(column) - created_at"
                    var conditions = ["\(column) IS NOT NULL"]
                    if index > 0 { conditions.append("\(duration) >= \(limits[index - 1])") }
                    if index < limits.count { conditions.append("\(duration) < \(limits[index])") }
                    return "SUM(CASE WHEN \(conditions.joined(separator: " AND ")) THEN 1 ELSE 0 END)"
                }
            }
            let told = """
                SUM(CASE WHEN EXISTS (SELECT 1 FROM item f WHERE f.related_item = item.id AND f.purpose = 'outcome-feedback' AND f.status = 'completed')
                    THEN 1 ELSE 0 END)
                """
            try db.execute(sql: """
                INSERT INTO loop_daily (day, sender, recipient, \(SQLiteTransaction.loopCountColumns.joined(separator: ", ")))
                SELECT \(day), COALESCE(sender, ''), recipient, COUNT(*), COUNT(acknowledged_at), COUNT(decided_at), COUNT(outcome_at), \(told),
                       \((bands("acknowledged_at") + bands("outcome_at")).joined(separator: ", "))
                FROM item WHERE kind = 'action' AND purpose NOT IN (\(hub)) AND status <> 'entered-in-error'
                GROUP BY \(day), COALESCE(sender, ''), recipient
                """)
            let milliseconds = "CAST(ROUND((julianday(received_at) - 2440587.5) * 86400000) AS INTEGER)"
            try db.execute(sql: """
                UPDATE mention SET day = (SELECT \(milliseconds) / \(SQLiteTransaction.dayMilliseconds) FROM message WHERE message.sequence = mention.message_sequence)
                """)
            try db.execute(sql: """
                INSERT INTO referral (message_sequence, day, received_at, again)
                SELECT sequence, \(milliseconds) / \(SQLiteTransaction.dayMilliseconds), \(milliseconds), 0 FROM message WHERE kind = 'referral'
                """)
            try db.execute(sql: """
                UPDATE referral SET again = 1 WHERE EXISTS (
                    SELECT 1 FROM mention s JOIN mention p ON p.person_id = s.person_id AND p.role = 'subject' AND p.message_sequence < s.message_sequence
                    JOIN referral earlier ON earlier.message_sequence = p.message_sequence
                    WHERE s.message_sequence = referral.message_sequence AND s.role = 'subject'
                      AND referral.received_at - earlier.received_at <= \(365 * SQLiteTransaction.dayMilliseconds))
                """)
            try db.execute(sql: """
                INSERT INTO sharing_daily (day, basis, decisions, shown, withheld)
                SELECT decided_at / \(SQLiteTransaction.dayMilliseconds), COALESCE(lawful_basis, ''), COUNT(*), SUM(sections_shown), SUM(sections_withheld)
                FROM disclosure_decision GROUP BY decided_at / \(SQLiteTransaction.dayMilliseconds), COALESCE(lawful_basis, '')
                """)
        }
        migrator.registerMigration("9-drop-redundant-index") { db in
            // `mention_subject_person` (person, role, message) begins with the person, so it serves
            // every search by person that `mention_person` did (a person's mentions in message order
            // are now sorted after the search: a few rows); keeping both cost every mention an extra
            // index insert inside the intake transaction.
            try db.execute(sql: "DROP INDEX mention_person")
        }
        return migrator
    }

    /// The derived columns of `mention` (an SQL assignment list), from the record JSON in `record`
    /// (an SQL expression): 1 where the normalised record lacks sex, date of birth, NHS number.
    static func mentionColumns(record: String) -> String {
        """
        no_sex = json_extract(\(record), '$.sex') IS NULL, no_dob = json_extract(\(record), '$.dob') IS NULL,
        no_nhs = json_extract(\(record), '$.nhs') IS NULL
        """
    }

    /// The derived columns of `disclosure_decision` (an SQL assignment list), from the record JSON
    /// in `body` (an SQL expression): its lawful basis and the counts of sections shown and withheld.
    static func disclosureColumns(body: String) -> String {
        """
        lawful_basis = json_extract(\(body), '$.consent.basis'),
        sections_shown = (SELECT COUNT(*) FROM json_each(\(body), '$.sections') WHERE json_extract(value, '$.shown') = 1),
        sections_withheld = (SELECT COUNT(*) FROM json_each(\(body), '$.sections') WHERE json_extract(value, '$.shown') = 0)
        """
    }
}
