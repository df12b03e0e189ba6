#!/bin/sh
# Container entry point: on first start, seed the node's CAS with sample data (manifest "sample"),
# then run the worker. Node id, directories and Kafka come from TINYVOL_* environment variables.
set -e
if [ ! -d "${TINYVOL_CAS_DIR}/objects" ]; then
  java --enable-native-access=ALL-UNNAMED -jar /opt/tinyvol/tinyvol-worker.jar demo --dir /var/lib/tinyvol/seed > /dev/null
  java --enable-native-access=ALL-UNNAMED -jar /opt/tinyvol/tinyvol-worker.jar cas ingest /var/lib/tinyvol/seed/sample --cas "${TINYVOL_CAS_DIR}" --ref sample > /dev/null
fi
exec java --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -Xms32m -Xmx128m -Xss512k -XX:TieredStopAtLevel=1 \
  -XX:ReservedCodeCacheSize=48m -XX:MaxMetaspaceSize=96m \
  -Dlogback.configurationFile="/etc/tinyvol/$([ "${TINYVOL_LOG_FORMAT:-text}" = json ] && echo logback-json.xml || echo logback.xml)" \
  -jar /opt/tinyvol/tinyvol-worker.jar worker --config /etc/tinyvol/worker.properties
