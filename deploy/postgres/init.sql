-- One database and one login role per service (each service owns its data and cannot open
-- another's database). Run once by the postgres image, as the superuser, on an empty data
-- directory (/docker-entrypoint-initdb.d). DEVELOPMENT CREDENTIALS ONLY: deploy/compose.yaml uses
-- them; production creates its roles with real passwords and puts the URLs in Kubernetes
-- Secrets (deploy/README.md).
--
-- Each role owns its database, so on PostgreSQL 15+ it owns the public schema there too
-- (pg_database_owner) and its migrations can create tables. CONNECT is revoked from PUBLIC so
-- only the owner (and the superuser) may connect.

CREATE ROLE complaints LOGIN PASSWORD 'complaints-dev';
CREATE DATABASE complaints OWNER complaints;
REVOKE CONNECT, TEMPORARY ON DATABASE complaints FROM PUBLIC;

CREATE ROLE surveys LOGIN PASSWORD 'surveys-dev';
CREATE DATABASE surveys OWNER surveys;
REVOKE CONNECT, TEMPORARY ON DATABASE surveys FROM PUBLIC;

CREATE ROLE kpi LOGIN PASSWORD 'kpi-dev';
CREATE DATABASE kpi OWNER kpi;
REVOKE CONNECT, TEMPORARY ON DATABASE kpi FROM PUBLIC;

CREATE ROLE notifications LOGIN PASSWORD 'notifications-dev';
CREATE DATABASE notifications OWNER notifications;
REVOKE CONNECT, TEMPORARY ON DATABASE notifications FROM PUBLIC;
