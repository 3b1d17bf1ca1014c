package io.flycast.control.watch;

import io.fabric8.kubernetes.client.informers.ExceptionHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.javaoperatorsdk.operator.api.config.InformerStoppedHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the reconcilers do when one of their informers stops for good. JOSDK's default ends the
 * process, and with it the proxy's traffic for every route. For an object the model cannot read
 * that helps nothing (the new process stops on the same object) and hurts everyone: the watch of
 * that type stops, with an error saying why, and everything else goes on. ExposedService, the type
 * users write, is read so that this does not happen ({@link io.flycast.api.TolerantDeserializer});
 * this is the backstop. Any other stop after the informer synced still ends the process, as JOSDK
 * does, so a restart recovers it.
 */
public final class InformerStops implements InformerStoppedHandler {
  private static final Logger log = LoggerFactory.getLogger(InformerStops.class);

  private final Runnable exit;

  public InformerStops() {
    this(() -> System.exit(1));
  }

  InformerStops(Runnable exit) {
    this.exit = exit;
  }

  @Override
  @SuppressWarnings("rawtypes")
  public void onStop(SharedIndexInformer informer, Throwable ex) {
    if (ex == null || !informer.hasSynced()) {
      // Stopped by us, or failed while starting (which fails the operator's start).
      log.debug("informer {} stopped: {}", informer, ex == null ? "closed" : ex.toString());
    } else if (ExceptionHandler.isDeserializationException(ex)) {
      log.error(
          "the reconciler's watch of {} stopped: an object of it cannot be read ({}). Routing goes"
              + " on; fix or delete the object, then restart Flycast to reconcile this type again",
          informer,
          rootCause(ex));
    } else {
      log.error("Fatal error in informer: {}. Stopping the operator", informer, ex);
      exit.run();
    }
  }

  private static String rootCause(Throwable t) {
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage();
  }
}
