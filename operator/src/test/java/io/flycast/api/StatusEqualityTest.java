package io.flycast.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The reconciler writes an ExposedService's status only when it is not equal to the one read. A
 * field left out of equals would change in memory and never reach the cluster, so every field of
 * every status type must take part: this walks them all, including any added later.
 */
class StatusEqualityTest {
  @ParameterizedTest
  @ValueSource(
      classes = {
        ExposedServiceStatus.class,
        ExposedServiceStatus.Machines.class,
        ExposedServiceStatus.AutoscaleAction.class
      })
  void everyFieldTakesPartInEquals(Class<?> type) throws Exception {
    List<Field> fields =
        java.util.Arrays.stream(type.getFields())
            .filter(f -> !Modifier.isStatic(f.getModifiers()))
            .toList();
    assertThat(fields).isNotEmpty();
    for (Field f : fields) {
      Object a = type.getConstructor().newInstance();
      Object b = type.getConstructor().newInstance();
      assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
      f.set(b, differentValue(f));
      assertThat(a).as("%s.%s changed", type.getSimpleName(), f.getName()).isNotEqualTo(b);
      f.set(a, f.get(b));
      assertThat(a).as("%s.%s the same", type.getSimpleName(), f.getName()).isEqualTo(b);
    }
  }

  private static Object differentValue(Field f) {
    Class<?> t = f.getType();
    if (t == String.class) {
      return "changed";
    } else if (t == Long.class) {
      return 7L;
    } else if (t == Integer.class) {
      return 7;
    } else if (t == ExposedServiceStatus.Machines.class) {
      var m = new ExposedServiceStatus.Machines();
      m.summary = "1/1";
      return m;
    } else if (t == ExposedServiceStatus.AutoscaleAction.class) {
      var a = new ExposedServiceStatus.AutoscaleAction();
      a.reason = "idle";
      return a;
    } else if (t == List.class && f.getName().equals("conditions")) {
      return List.of(new ConditionBuilder().withType("Ready").withStatus("True").build());
    } else if (t == List.class) {
      return List.of("changed");
    }
    throw new AssertionError("no test value for " + f + ": add one");
  }
}
