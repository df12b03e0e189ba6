package dev.tinyvol.worker.registry;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** Trusts a server that any of several trust managers trusts (the JDK's CAs, then a bundle's). */
final class CombinedTrust implements X509TrustManager {

    private final List<X509TrustManager> managers = new ArrayList<>();

    CombinedTrust(TrustManagerFactory... factories) {
        for (TrustManagerFactory f : factories) {
            for (var m : f.getTrustManagers()) {
                if (m instanceof X509TrustManager x) {
                    managers.add(x);
                }
            }
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        CertificateException last = null;
        for (X509TrustManager m : managers) {
            try {
                m.checkServerTrusted(chain, authType);
                return;
            } catch (CertificateException e) {
                last = e;
            }
        }
        throw last != null ? last : new CertificateException("no trust manager");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a registry client does not accept client certificates");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return managers.stream().flatMap(m -> java.util.Arrays.stream(m.getAcceptedIssuers())).toArray(X509Certificate[]::new);
    }
}
