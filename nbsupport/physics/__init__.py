"""Heavy-ion physics for the photon-flow notebook (arXiv 2211.16770, note 05), numpy and scipy only.

- ``units``: natural-unit constants (hbar c, m_pi, alpha_em);
- ``glauber``: Monte-Carlo Glauber events for Au+Au at 200 GeV, centrality, eccentricity;
- ``phenix``: the shipped PHENIX tables, checked against their sha256.
"""
