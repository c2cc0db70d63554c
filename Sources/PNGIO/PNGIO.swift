import ConvCore
