from sei_lmp.cli import main

main()
