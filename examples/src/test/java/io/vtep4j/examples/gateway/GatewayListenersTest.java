package io.vtep4j.examples.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vtep4j.learning.FdbListener;
import io.vtep4j.learning.Location;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The gateway hands every table event to both of its listeners (EVPN, offloads): none is left out. */
class GatewayListenersTest {

    private static FdbListener recording(String name, List<String> calls) {
        return (FdbListener) Proxy.newProxyInstance(
                FdbListener.class.getClassLoader(), new Class<?>[] {FdbListener.class}, (proxy, method, args) -> {
                    if (method.getDeclaringClass() == Object.class) {
                        return method.getName().equals("equals") ? proxy == args[0] : name.hashCode();
                    }
                    calls.add(name + " " + method.getName());
                    return null;
                });
    }

    @Test
    void everyEventOfTheInterfaceReachesBothInOrder() throws Exception {
        List<String> calls = new ArrayList<>();
        FdbListener both = Gateway.both(recording("first", calls), recording("second", calls));
        Location here = Location.localPort(0, "vlan100");
        List<String> expected = new ArrayList<>();
        for (Method m : FdbListener.class.getMethods()) {
            Object[] args = new Object[m.getParameterCount()];
            Class<?>[] types = m.getParameterTypes();
            for (int i = 0; i < args.length; i++) {
                args[i] = types[i] == int.class ? 10100 : types[i] == long.class ? 0xAL : here;
            }
            m.invoke(both, args);
            expected.add("first " + m.getName());
            expected.add("second " + m.getName());
        }
        assertEquals(expected, calls);
    }
}
