# syntax=docker/dockerfile:1
# Build: docker build -t hipt-service .
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY .mvn .mvn
COPY mvnw pom.xml ./
RUN ./mvnw -B -ntp -q dependency:go-offline
COPY src src
RUN ./mvnw -B -ntp -q -DskipTests package && cp target/hipt-service-*.jar /app.jar

FROM debian:bookworm-slim
# OpenSlide reads the slides; libgomp is libtorch's OpenMP runtime.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      openjdk-17-jre-headless libopenslide0 libgomp1 ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home /var/lib/hipt hipt \
 && mkdir -p /var/lib/hipt/data /var/lib/hipt/.djl.ai && chown -R hipt /var/lib/hipt
COPY --from=build /app.jar /opt/hipt/hipt-service.jar
USER hipt
WORKDIR /var/lib/hipt
ENV HIPT_STORAGE_ROOT=/var/lib/hipt/data \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=60 -Dai.djl.offline=true -DDJL_CACHE_DIR=/var/lib/hipt/.djl.ai"
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD curl -fsS http://localhost:8080/actuator/health/liveness || exit 1
ENTRYPOINT ["java", "-jar", "/opt/hipt/hipt-service.jar"]
