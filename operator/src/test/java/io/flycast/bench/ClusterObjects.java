package io.flycast.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.UUID;

/**
 * Objects as a real cluster holds them, as JSON: what {@code kubectl get -o json} shows for a Pod
 * of a Deployment, a Service applied with {@code kubectl apply} and opted in to Flycast, and the
 * EndpointSlice the slice controller keeps for it, each with the managed fields, owner references,
 * container spec and status the API server returns. The scale benchmark feeds these through the
 * operator's watches; the trim tests translate them before and after trimming.
 *
 * <p>Pod addresses are in 127.0.0.0/8 (127.1.0.0 up): nothing dials them, and should anything, it
 * stays on this host.
 */
public final class ClusterObjects {
  private ClusterObjects() {}

  static final String TIME = "2026-11-20T10:15:30Z";

  /** A stable uid for an object, so every run generates the same cluster. */
  public static String uid(String kind, String namespace, String name) {
    return UUID.nameUUIDFromBytes((kind + "/" + namespace + "/" + name).getBytes(UTF_8)).toString();
  }

  /** The address of pod number {@code i} (up to 16 million). */
  public static String podIp(int i) {
    int n = (1 << 16) + i;
    return "127." + (n >>> 16 & 255) + "." + (n >>> 8 & 255) + "." + (n & 255);
  }

  /** The {@code i}th pod of a Service's Deployment. */
  public static String podName(String service, int i) {
    return service + "-5d8f9c7b6-" + Integer.toString(36 * 36 * 36 + i, 36);
  }

  public static String namespace(String name, String rv) {
    return """
    {"apiVersion":"v1","kind":"Namespace","metadata":{"creationTimestamp":"%2$s",\
    "labels":{"kubernetes.io/metadata.name":"%1$s"},"managedFields":[{"apiVersion":"v1","fieldsType":"FieldsV1",\
    "fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:kubernetes.io/metadata.name":{}}}},"manager":"kubectl-create",\
    "operation":"Update","time":"%2$s"}],"name":"%1$s","resourceVersion":"%3$s","uid":"%4$s"},\
    "spec":{"finalizers":["kubernetes"]},"status":{"phase":"Active"}}\
    """
        .formatted(name, TIME, rv, uid("Namespace", "", name));
  }

  /** A Service annotated {@code fly.io/flycast: "true"}, as {@code kubectl apply} leaves it. */
  public static String service(String ns, String name, String clusterIp, String rv) {
    String applied =
        """
        {"apiVersion":"v1","kind":"Service","metadata":{"annotations":{"fly.io/flycast":"true"},"labels":\
        {"app":"%1$s","app.kubernetes.io/part-of":"shop"},"name":"%1$s","namespace":"%2$s"},"spec":{"ports":[{"name":"http",\
        "port":80,"protocol":"TCP","targetPort":8080}],"selector":{"app":"%1$s"}}}
        """
            .formatted(name, ns)
            .replace("\"", "\\\"")
            .replace("\n", "\\n");
    return """
    {"apiVersion":"v1","kind":"Service","metadata":{"annotations":{"fly.io/flycast":"true",\
    "kubectl.kubernetes.io/last-applied-configuration":"%5$s"},"creationTimestamp":"%6$s",\
    "labels":{"app":"%1$s","app.kubernetes.io/part-of":"shop"},"managedFields":[{"apiVersion":"v1",\
    "fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:annotations":{".":{},"f:fly.io/flycast":{},\
    "f:kubectl.kubernetes.io/last-applied-configuration":{}},"f:labels":{".":{},"f:app":{},"f:app.kubernetes.io/part-of":{}}},\
    "f:spec":{"f:internalTrafficPolicy":{},"f:ports":{".":{},"k:{\\"port\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},\
    "f:name":{},"f:port":{},"f:protocol":{},"f:targetPort":{}}},"f:selector":{},"f:sessionAffinity":{},"f:type":{}}},\
    "manager":"kubectl-client-side-apply","operation":"Update","time":"%6$s"}],"name":"%1$s","namespace":"%2$s",\
    "resourceVersion":"%4$s","uid":"%7$s"},"spec":{"clusterIP":"%3$s","clusterIPs":["%3$s"],\
    "internalTrafficPolicy":"Cluster","ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","ports":[{"name":"http",\
    "port":80,"protocol":"TCP","targetPort":8080}],"selector":{"app":"%1$s"},"sessionAffinity":"None","type":"ClusterIP"},\
    "status":{"loadBalancer":{}}}\
    """
        .formatted(name, ns, clusterIp, rv, applied.strip(), TIME, uid("Service", ns, name));
  }

  /** The slice of a Service whose pods are {@code firstPod} and the {@code pods - 1} after it. */
  public static String endpointSlice(String ns, String service, int firstPod, int pods, String rv) {
    String name = service + "-x7k2p";
    StringBuilder endpoints = new StringBuilder();
    for (int i = 0; i < pods; i++) {
      String pod = podName(service, i);
      if (i > 0) {
        endpoints.append(',');
      }
      endpoints.append(
          """
          {"addresses":["%s"],"conditions":{"ready":true,"serving":true,"terminating":false},"nodeName":"node-%d",\
          "targetRef":{"kind":"Pod","name":"%s","namespace":"%s","uid":"%s"},"zone":"zone-%d"}\
          """
              .formatted(
                  podIp(firstPod + i),
                  (firstPod + i) % 50,
                  pod,
                  ns,
                  uid("Pod", ns, pod),
                  (firstPod + i) % 3));
    }
    return """
    {"addressType":"IPv4","apiVersion":"discovery.k8s.io/v1","endpoints":[%s],"kind":"EndpointSlice",\
    "metadata":{"annotations":{"endpoints.kubernetes.io/last-change-trigger-time":"%6$s"},"creationTimestamp":"%6$s",\
    "generateName":"%2$s-","generation":3,"labels":{"app":"%2$s","app.kubernetes.io/part-of":"shop",\
    "endpointslice.kubernetes.io/managed-by":"endpointslice-controller.k8s.io","kubernetes.io/service-name":"%2$s"},\
    "managedFields":[{"apiVersion":"discovery.k8s.io/v1","fieldsType":"FieldsV1","fieldsV1":{"f:addressType":{},\
    "f:endpoints":{},"f:metadata":{"f:annotations":{".":{},"f:endpoints.kubernetes.io/last-change-trigger-time":{}},\
    "f:generateName":{},"f:labels":{".":{},"f:app":{},"f:app.kubernetes.io/part-of":{},\
    "f:endpointslice.kubernetes.io/managed-by":{},"f:kubernetes.io/service-name":{}},"f:ownerReferences":{".":{},\
    "k:{\\"uid\\":\\"%7$s\\"}":{}}},"f:ports":{}},"manager":"kube-controller-manager","operation":"Update","time":"%6$s"}],\
    "name":"%3$s","namespace":"%4$s","ownerReferences":[{"apiVersion":"v1","blockOwnerDeletion":true,"controller":true,\
    "kind":"Service","name":"%2$s","uid":"%7$s"}],"resourceVersion":"%5$s","uid":"%8$s"},\
    "ports":[{"name":"http","port":8080,"protocol":"TCP"}]}\
    """
        .formatted(
            endpoints,
            service,
            name,
            ns,
            rv,
            TIME,
            uid("Service", ns, service),
            uid("EndpointSlice", ns, name));
  }

  /** Pod {@code index} of the cluster, the {@code i}th of its Service's Deployment. */
  public static String pod(String ns, String service, int i, int index, String rv) {
    return pod(ns, service, i, index, rv, service);
  }

  /** As {@link #pod(String, String, int, int, String)}, with {@code k8s-app} set to {@code app}. */
  public static String pod(String ns, String service, int i, int index, String rv, String app) {
    String name = podName(service, i);
    String ip = podIp(index);
    String node = "node-" + index % 50;
    String rs = service + "-5d8f9c7b6";
    String rsUid = uid("ReplicaSet", ns, rs);
    String types[] = {
      "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"
    };
    StringBuilder conditions = new StringBuilder();
    StringBuilder conditionsManaged = new StringBuilder();
    for (String t : types) {
      conditions
          .append(conditions.isEmpty() ? "" : ",")
          .append(
              """
              {"lastProbeTime":null,"lastTransitionTime":"%s","status":"True","type":"%s"}\
              """
                  .formatted(TIME, t));
      if (!t.equals("PodScheduled")) {
        conditionsManaged
            .append(conditionsManaged.isEmpty() ? "" : ",")
            .append(
                """
                "k:{\\"type\\":\\"%s\\"}":{".":{},"f:lastProbeTime":{},"f:lastTransitionTime":{},"f:status":{},"f:type":{}}\
                """
                    .formatted(t));
      }
    }
    return """
    {"apiVersion":"v1","kind":"Pod","metadata":{"creationTimestamp":"%4$s","generateName":"%5$s-",\
    "labels":{"app":"%2$s","k8s-app":"%13$s","pod-template-hash":"5d8f9c7b6"},"managedFields":[{"apiVersion":"v1",\
    "fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:generateName":{},"f:labels":{".":{},"f:app":{},"f:k8s-app":{},\
    "f:pod-template-hash":{}},"f:ownerReferences":{".":{},"k:{\\"uid\\":\\"%6$s\\"}":{}}},"f:spec":{"f:containers":\
    {"k:{\\"name\\":\\"app\\"}":{".":{},"f:env":{".":{},"k:{\\"name\\":\\"PORT\\"}":{".":{},"f:name":{},"f:value":{}},\
    "k:{\\"name\\":\\"LOG_LEVEL\\"}":{".":{},"f:name":{},"f:value":{}},"k:{\\"name\\":\\"POD_NAME\\"}":{".":{},"f:name":{},\
    "f:valueFrom":{".":{},"f:fieldRef":{}}}},"f:image":{},"f:imagePullPolicy":{},"f:name":{},"f:ports":{".":{},\
    "k:{\\"containerPort\\":8080,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{},"f:name":{},"f:protocol":{}}},\
    "f:readinessProbe":{".":{},"f:failureThreshold":{},"f:httpGet":{".":{},"f:path":{},"f:port":{},"f:scheme":{}},\
    "f:periodSeconds":{},"f:successThreshold":{},"f:timeoutSeconds":{}},"f:resources":{".":{},"f:limits":{".":{},\
    "f:memory":{}},"f:requests":{".":{},"f:cpu":{},"f:memory":{}}},"f:terminationMessagePath":{},\
    "f:terminationMessagePolicy":{}}},"f:dnsPolicy":{},"f:enableServiceLinks":{},"f:restartPolicy":{},\
    "f:schedulerName":{},"f:securityContext":{},"f:terminationGracePeriodSeconds":{}}},"manager":"kube-controller-manager",\
    "operation":"Update","time":"%4$s"},{"apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:status":\
    {"f:conditions":{%12$s},"f:containerStatuses":{},"f:hostIP":{},"f:hostIPs":{},"f:phase":{},"f:podIP":{},\
    "f:podIPs":{".":{},"k:{\\"ip\\":\\"%7$s\\"}":{".":{},"f:ip":{}}},"f:startTime":{}}},"manager":"kubelet",\
    "operation":"Update","subresource":"status","time":"%4$s"}],"name":"%1$s","namespace":"%3$s","ownerReferences":\
    [{"apiVersion":"apps/v1","blockOwnerDeletion":true,"controller":true,"kind":"ReplicaSet","name":"%5$s","uid":"%6$s"}],\
    "resourceVersion":"%8$s","uid":"%9$s"},"spec":{"containers":[{"env":[{"name":"PORT","value":"8080"},\
    {"name":"LOG_LEVEL","value":"info"},{"name":"POD_NAME","valueFrom":{"fieldRef":{"apiVersion":"v1",\
    "fieldPath":"metadata.name"}}}],"image":"registry.example.com/shop/%2$s:1.4.2","imagePullPolicy":"IfNotPresent",\
    "name":"app","ports":[{"containerPort":8080,"name":"http","protocol":"TCP"}],"readinessProbe":{"failureThreshold":3,\
    "httpGet":{"path":"/healthz","port":8080,"scheme":"HTTP"},"periodSeconds":10,"successThreshold":1,"timeoutSeconds":1},\
    "resources":{"limits":{"memory":"256Mi"},"requests":{"cpu":"100m","memory":"128Mi"}},\
    "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","volumeMounts":[{"mountPath":\
    "/var/run/secrets/kubernetes.io/serviceaccount","name":"kube-api-access-%10$s","readOnly":true}]}],\
    "dnsPolicy":"ClusterFirst","enableServiceLinks":true,"nodeName":"%11$s","preemptionPolicy":"PreemptLowerPriority",\
    "priority":0,"restartPolicy":"Always","schedulerName":"default-scheduler","securityContext":{},\
    "serviceAccount":"default","serviceAccountName":"default","terminationGracePeriodSeconds":30,"tolerations":\
    [{"effect":"NoExecute","key":"node.kubernetes.io/not-ready","operator":"Exists","tolerationSeconds":300},\
    {"effect":"NoExecute","key":"node.kubernetes.io/unreachable","operator":"Exists","tolerationSeconds":300}],\
    "volumes":[{"name":"kube-api-access-%10$s","projected":{"defaultMode":420,"sources":[{"serviceAccountToken":\
    {"expirationSeconds":3607,"path":"token"}},{"configMap":{"items":[{"key":"ca.crt","path":"ca.crt"}],\
    "name":"kube-root-ca.crt"}},{"downwardAPI":{"items":[{"fieldRef":{"apiVersion":"v1","fieldPath":\
    "metadata.namespace"},"path":"namespace"}]}}]}}]},"status":{"conditions":[%14$s],"containerStatuses":[{\
    "containerID":"containerd://%15$s","image":"registry.example.com/shop/%2$s:1.4.2","imageID":\
    "registry.example.com/shop/%2$s@sha256:%15$s","lastState":{},"name":"app","ready":true,"restartCount":0,\
    "started":true,"state":{"running":{"startedAt":"%4$s"}},"volumeMounts":[{"mountPath":\
    "/var/run/secrets/kubernetes.io/serviceaccount","name":"kube-api-access-%10$s","readOnly":true,\
    "recursiveReadOnly":"Disabled"}]}],"hostIP":"%16$s","hostIPs":[{"ip":"%16$s"}],"phase":"Running","podIP":"%7$s",\
    "podIPs":[{"ip":"%7$s"}],"qosClass":"Burstable","startTime":"%4$s"}}\
    """
        .formatted(
            name,
            service,
            ns,
            TIME,
            rs,
            rsUid,
            ip,
            rv,
            uid("Pod", ns, name),
            name.substring(name.length() - 5),
            node,
            conditionsManaged,
            app,
            conditions,
            (uid("Pod", ns, name) + uid("Container", ns, name)).replace("-", ""),
            "127.0.0." + (1 + index % 50));
  }
}
