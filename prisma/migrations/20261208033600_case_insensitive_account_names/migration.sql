-- Usernames and e-mail addresses are unique as people read them: compared after Unicode NFKC
-- normalisation and case folding, so "ADMIN" is "admin", and so is "ＡＤＭＩＮ" (fullwidth).
-- store/users.ts looks accounts up through the same function, so sign-in, registration and these
-- indexes always agree.
--
-- Case folding is ICU's root locale (upper then lower case: "ß" is "ss", a final sigma a sigma),
-- never the database's own locale, which differs between servers (C, C.UTF-8, en_US.UTF-8) and
-- would make two names equal on one server and distinct on another. NFKC once more at the end: a
-- case mapping may leave a sequence NFKC composes. After an ICU upgrade PostgreSQL reports a
-- collation version mismatch: REINDEX the two indexes below, as any ICU-collated index needs.
CREATE FUNCTION "account_name_key"(value TEXT) RETURNS TEXT
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT normalize(lower(upper(normalize(value, NFKC) COLLATE "und-x-icu") COLLATE "und-x-icu"), NFKC) $$;

-- Accounts that already compare equal: the oldest keeps the username (or the e-mail address);
-- each later one gets its own id appended to its username (unique, and within the 150 characters
-- sign-in accepts), or loses the e-mail address. Nothing is merged or deactivated: two accounts may
-- be two people. Each change goes on the account trail (actor: the service itself) naming the
-- account that kept the name, never the name itself (the trail outlives an erasure), so an admin
-- can find the account, tell its owner the new username, and judge whether one person holds both.
WITH ranked AS (
  SELECT id, first_value(id) OVER same AS kept_by, row_number() OVER same AS position
  FROM "users"
  WINDOW same AS (PARTITION BY account_name_key("username") ORDER BY created_at, id)
), renamed AS (
  UPDATE "users" AS u SET username = left(u.username, 100) || '-' || replace(u.id::text, '-', ''), updated_at = now()
  FROM ranked AS r
  WHERE r.id = u.id AND r.position > 1
  RETURNING u.id, r.kept_by
)
INSERT INTO "user_audit_events" (id, user_id, action, reason)
SELECT gen_random_uuid(), id, 'username_changed',
       'Its username equalled the username of account ' || kept_by || ' once compared regardless of case and Unicode form; the older account kept it, this one had its id appended'
FROM renamed;

WITH ranked AS (
  SELECT id, first_value(id) OVER same AS kept_by, row_number() OVER same AS position
  FROM "users"
  WHERE email IS NOT NULL
  WINDOW same AS (PARTITION BY account_name_key("email") ORDER BY created_at, id)
), cleared AS (
  UPDATE "users" AS u SET email = NULL, updated_at = now()
  FROM ranked AS r
  WHERE r.id = u.id AND r.position > 1
  RETURNING u.id, r.kept_by
)
INSERT INTO "user_audit_events" (id, user_id, action, reason)
SELECT gen_random_uuid(), id, 'email_removed',
       'Its e-mail address equalled the e-mail address of account ' || kept_by || ' once compared regardless of case and Unicode form; the older account kept it'
FROM cleared;

-- The exact-match unique indexes of the two columns stay: Prisma's client finds by them.
CREATE UNIQUE INDEX "users_username_folded_key" ON "users" (account_name_key("username"));
CREATE UNIQUE INDEX "users_email_folded_key" ON "users" (account_name_key("email"));
