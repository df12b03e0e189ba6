# The TinyVol worker image, built from this repository: docker build -t tinyvol-worker .
FROM maven:3.9-eclipse-temurin-25 AS build
WORKDIR /src
COPY pom.xml .
COPY messages messages
COPY client client
COPY devbroker devbroker
COPY worker worker
COPY bench bench
RUN mvn -B -q package -DskipTests

# The node agent needs Java 25 (FFM API); messages and client are Java 17 class files inside.
FROM eclipse-temurin:25-jre
WORKDIR /opt/tinyvol
COPY --from=build /src/worker/target/tinyvol-worker.jar /opt/tinyvol/tinyvol-worker.jar
COPY config/logback.xml config/logback-json.xml /etc/tinyvol/
COPY config/worker.properties /etc/tinyvol/worker.properties
COPY docker/entrypoint.sh /opt/tinyvol/entrypoint.sh
EXPOSE 9400
ENTRYPOINT ["/opt/tinyvol/entrypoint.sh"]
