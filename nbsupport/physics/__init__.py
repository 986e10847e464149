"""Heavy-ion physics for glasma photons and their flow (Jia, Li and Hou, arXiv 2211.16770), numpy only.
Methods only: the photon-flow walkthrough (:mod:`nbsupport.walkthroughs.photon_flow_v2`) drives them.

- ``units``: natural-unit constants (hbar c, m_pi, alpha_em);
- ``glauber``: Monte-Carlo Glauber events for Au+Au at 200 GeV, centrality, eccentricity;
- ``initial_state``: thickness and saturation-scale maps of one event, the Q_s calibration;
- ``emfield``: the Lienard-Wiechert field of the nuclei's protons;
- ``photons``: the fusion and splitting rate in a magnetic field, the gluon distributions;
- ``glasma``: one event's photon spectrum on (q_T, phi), integrated over the glasma's life;
- ``flow``: flow harmonics with multiplicity weights, jackknife errors;
- ``observables``: event averages, combination with a baseline, normalisation fit, chi-square;
- ``phenix``: the shipped PHENIX tables, checked against their sha256.
"""
