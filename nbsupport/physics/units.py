"""Natural units: GeV for energies and momenta, fm for lengths and times (hbar = c = 1)."""

HBARC_GEV_FM = 0.1973269804          # hbar c [GeV fm]
M_PI_GEV = 0.13957039                # charged-pion mass [GeV]
M_PI2_GEV2 = M_PI_GEV**2             # the unit "m_pi^2" of eB [GeV^2]
ALPHA_EM = 1 / 137.035999
MB_TO_FM2 = 0.1                      # 1 mb = 0.1 fm^2
