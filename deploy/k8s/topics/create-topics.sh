#!/bin/sh
# Creates every Suara topic (idempotent: --if-not-exists). The one list of topics for both
# deploy/compose.yaml (mounted into the apache/kafka container) and the Kubernetes Job
# (deploy/k8s/topics/job.yaml, mounted from a generated ConfigMap). It must equal
# shared.topics.all_topic_names(); tests/contract/test_deploy.py checks that.
#
# Environment:
#   SUARA_KAFKA_BOOTSTRAP  host:port[,host:port]                           (required)
#   SUARA_TOPIC_PREFIX     prepended to every name, as the services do      (default empty)
#   PARTITIONS             partitions per topic; the most consumers of a group that get work
#   REPLICATION_FACTOR     3 on a production cluster, 1 on the single compose broker
#   MIN_INSYNC_REPLICAS    2 with RF 3, so that acks=all survives one broker down
#   KAFKA_COMMAND_CONFIG   a Kafka client properties file for a secured cluster (security.protocol,
#                          sasl.mechanism, sasl.jaas.config, ssl.truststore.*), passed to every
#                          call as --command-config; ignored when the file does not exist
#
# Retention follows the design: a consumer's state is rebuilt by replaying its topics from the
# start, so domain topics keep everything (retention.ms=-1). The restricted notification-requests
# topic carries citizen contact data and is kept only as long as delivery needs (7 days), and so
# is its dead-letter topic. Other dead-letter topics keep 30 days for inspection and replay.
# An existing topic is left as is: change partitions or configs with kafka-configs.sh /
# kafka-topics.sh --alter.
set -eu

: "${SUARA_KAFKA_BOOTSTRAP:?set SUARA_KAFKA_BOOTSTRAP}"
PREFIX="${SUARA_TOPIC_PREFIX:-}"
PARTITIONS="${PARTITIONS:-6}"
REPLICATION_FACTOR="${REPLICATION_FACTOR:-3}"
MIN_INSYNC_REPLICAS="${MIN_INSYNC_REPLICAS:-2}"
KAFKA_BIN="${KAFKA_BIN:-/opt/kafka/bin}"
COMMAND_CONFIG=""
if [ -n "${KAFKA_COMMAND_CONFIG:-}" ]; then
  if [ -f "${KAFKA_COMMAND_CONFIG}" ]; then
    COMMAND_CONFIG="${KAFKA_COMMAND_CONFIG}"
    echo "client properties: ${COMMAND_CONFIG}"
  else
    echo "no ${KAFKA_COMMAND_CONFIG}: connecting in plaintext"
  fi
fi

FOREVER=-1
SEVEN_DAYS=604800000
THIRTY_DAYS=2592000000

create() {
  name="${PREFIX}$1"
  retention="$2"
  echo "topic ${name}: partitions=${PARTITIONS} replication=${REPLICATION_FACTOR} retention.ms=${retention}"
  "${KAFKA_BIN}/kafka-topics.sh" --bootstrap-server "${SUARA_KAFKA_BOOTSTRAP}" \
    ${COMMAND_CONFIG:+--command-config "${COMMAND_CONFIG}"} \
    --create --if-not-exists --topic "${name}" \
    --partitions "${PARTITIONS}" --replication-factor "${REPLICATION_FACTOR}" \
    --config "min.insync.replicas=${MIN_INSYNC_REPLICAS}" \
    --config "retention.ms=${retention}" \
    --config cleanup.policy=delete
}

# topic                                   retention
create suara.complaints                   "${FOREVER}"
create suara.surveys                      "${FOREVER}"
create suara.kpi                          "${FOREVER}"
create suara.notifications                "${FOREVER}"
create suara.notification-requests        "${SEVEN_DAYS}"
create suara.complaints.dlq               "${THIRTY_DAYS}"
create suara.surveys.dlq                  "${THIRTY_DAYS}"
create suara.kpi.dlq                      "${THIRTY_DAYS}"
create suara.notifications.dlq            "${THIRTY_DAYS}"
create suara.notification-requests.dlq    "${SEVEN_DAYS}"

"${KAFKA_BIN}/kafka-topics.sh" --bootstrap-server "${SUARA_KAFKA_BOOTSTRAP}" \
  ${COMMAND_CONFIG:+--command-config "${COMMAND_CONFIG}"} --list
