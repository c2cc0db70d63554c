import ConvPipeCommand

ConvPipe.main()
