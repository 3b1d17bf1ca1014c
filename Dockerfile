# Flycast operator + proxy. Multi-stage: build with Maven on a JDK, run on a JRE as non-root.
#   docker build -t ghcr.io/flycast/flycast:0.1.0 .
FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /src
COPY pom.xml .
COPY embedded/pom.xml embedded/
COPY operator/pom.xml operator/
COPY local/pom.xml local/
COPY e2e/pom.xml e2e/
# embedded/ is built only because the operator's tests compile against it (test scope): the jar
# below is the operator module's alone and carries none of it.
COPY embedded embedded
COPY operator operator
COPY crds crds
RUN mvn -B -ntp -q -pl operator -am package -DskipTests

FROM eclipse-temurin:21-jre
# The chart runs this as UID 65532 with a read-only root filesystem; /tmp is an emptyDir.
RUN useradd --uid 65532 --no-create-home --shell /usr/sbin/nologin flycast
COPY --from=build /src/operator/target/flycast-operator.jar /app/flycast-operator.jar
USER 65532:65532
# admin (health, readiness, metrics), shared HTTP and TLS listeners, DNS
EXPOSE 9090 8080 8443 5353/udp 5353/tcp
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/flycast-operator.jar"]
CMD ["--admin-listen=0.0.0.0:9090", "--http-listen=0.0.0.0:8080", "--tls-listen=0.0.0.0:8443", "--dns-listen=0.0.0.0:5353"]
